/**
 * Exit codes of every `fedplane` command (documented in `fedplane --help` and the README):
 * 0 the operation succeeded / the checked thing is valid; 1 it ran and the answer is negative
 * (verification failed, inventory invalid, chain broken); 2 usage error or unreadable input.
 */
export const ExitCode = { OK: 0, NEGATIVE: 1, USAGE: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

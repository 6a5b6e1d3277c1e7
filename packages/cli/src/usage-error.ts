/** A command-line mistake (unknown flag, missing value, unreadable file): exit 2 with a message. */
export class UsageError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'UsageError';
  }
}

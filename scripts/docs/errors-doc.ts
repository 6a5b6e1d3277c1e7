import { ERROR_CODES, ERROR_MEANING, HTTP_STATUS, NATS_ERROR_CODE } from '@fedplane/core';
import { generatedBanner, markdownTable } from './markdown-table.js';

/** docs/errors.md: the wire error codes of bus.md with their mappings. */
export function renderErrorsDoc(): string {
  const rows = ERROR_CODES.map((code) => [
    `\`${code}\``,
    String(NATS_ERROR_CODE[code]),
    String(HTTP_STATUS[code]),
    ERROR_MEANING[code].retryable ? 'yes' : 'no',
    ERROR_MEANING[code].meaning,
  ]);
  return `${generatedBanner('pnpm docs:gen')}

# Errors

Every request/reply endpoint answers an error with the \`Nats-Service-Error\` and
\`Nats-Service-Error-Code\` headers and a JSON body \`{"error": CODE, "message": text, ...details}\`;
HTTP routes answer with the status below and the same body. Credential verification failures keep
the reference's stable tags in \`details.reason\` (\`credential_expired\`, \`credential_bad_signature\`,
\`chain_delegation_out_of_namespace\`, …).

${markdownTable(['code', 'NATS', 'HTTP', 'retryable', 'meaning'], rows)}
`;
}

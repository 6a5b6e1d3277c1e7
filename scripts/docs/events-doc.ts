import { EVENT_EXAMPLES, EVENT_TYPES, type EventType } from '@fedplane/core';
import { z } from 'zod';
import { generatedBanner, markdownTable } from './markdown-table.js';

type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  description?: string;
};

function typeOf(schema: JsonSchema): string {
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum !== undefined) return schema.enum.map((v) => JSON.stringify(v)).join(' \\| ');
  if (schema.anyOf !== undefined) return [...new Set(schema.anyOf.map(typeOf))].join(' or ');
  if (schema.type === 'array')
    return `${schema.items === undefined ? 'unknown' : typeOf(schema.items)}[]`;
  if (Array.isArray(schema.type)) return schema.type.join(' or ');
  return schema.type ?? 'any';
}

function fieldRows(type: EventType): string[][] {
  const schema = z.toJSONSchema(EVENT_TYPES[type].data, {
    unrepresentable: 'any',
    io: 'input',
  }) as JsonSchema;
  const required = new Set(schema.required ?? []);
  return Object.entries(schema.properties ?? {}).map(([name, field]) => [
    `\`${name}\``,
    typeOf(field),
    required.has(name) ? 'yes' : 'no',
  ]);
}

/** docs/events.md: every event type with its emitter, subject and `data` fields. */
export function renderEventsDoc(): string {
  const types = Object.keys(EVENT_TYPES).sort() as EventType[];
  const index = markdownTable(
    ['type', 'emitted by', 'subject names', 'meaning'],
    types.map((t) => [
      `\`${t}\``,
      EVENT_TYPES[t].emitter,
      EVENT_TYPES[t].subjectKind,
      EVENT_TYPES[t].description,
    ]),
  );
  const sections = types.map((t) => {
    const rows = fieldRows(t);
    const fields =
      rows.length === 0 ? '_no data fields_' : markdownTable(['field', 'type', 'required'], rows);
    const what = EVENT_TYPES[t].description;
    return `## \`${t}\`

${what.charAt(0).toUpperCase()}${what.slice(1)}. Emitted by **${EVENT_TYPES[t].emitter}**; subject: \`fed.evt.${t}${EVENT_TYPES[t].subjectKind === 'none' ? '' : '.<subject-token>'}\`.

${fields}

Example \`data\`:

\`\`\`json
${JSON.stringify(EVENT_EXAMPLES[t], null, 2)}
\`\`\`
`;
  });
  return `${generatedBanner('pnpm docs:gen')}

# Events

Every event is a UTF-8 JSON object published on \`fed.evt.<area>.<name>[.<subject-token>]\` into the
\`FED_EVENTS\` stream, signed by its emitter:

\`\`\`
{ "id": "<UUIDv7>", "type": "<area>.<name>", "actor": "<agent id of the emitter>",
  "subject": "<what it is about, optional>", "at": "<RFC 3339 UTC with ms>",
  "cause": "<id of the causing request or event, optional>", "data": { ... } }
\`\`\`

Headers: \`Nats-Msg-Id\` (the event id), \`Fed-Signature\` (\`ed25519=<base64>\` over the exact body
bytes), \`Fed-Credential\` (the emitter's \`v1=\` credential) and \`Fed-Credential-Chain\` when it holds
intermediates, or \`Fed-Issuer: <issuer_id>\` for events the issuer signs with its own key. Watch them
with \`nats sub 'fed.evt.>'\`.

${index}

${sections.join('\n')}`;
}

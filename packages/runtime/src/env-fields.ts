import { z } from 'zod';

/**
 * Typed environment-variable fields for service config schemas (house-style §2.6). Each builder
 * parses the flat env string and records its documentation (type, default, meaning, whether it is
 * a secret) in {@link envRegistry}, so `docs/configuration.md` and the service READMEs can be
 * generated from the schema with {@link describeEnv}.
 */

/** Documentation kept for every env field. */
export type EnvFieldMeta = {
  /** One line: what the variable does. */
  readonly description: string;
  /** Type as written in the docs (`duration`, `boolean`, `port`, `url list`, ...). */
  readonly type: string;
  /** The default as documented (e.g. `10s`, `hostname-pid-random`); absent when none. */
  readonly defaultText?: string;
  /** True when the value must never be logged or shown. */
  readonly secret?: boolean;
};

/** Where every env field registers its {@link EnvFieldMeta}. */
export const envRegistry = z.registry<EnvFieldMeta>();

const DURATION_RE = /^\s*(\d{1,15})\s*(ms|s|m|h|d)\s*$/;
const MS_PER_UNIT = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

/**
 * Parses a duration written in the environment: an integer and one unit of `ms`, `s`, `m`, `h`,
 * `d` (`500ms`, `10s`, `5m`). Returns whole milliseconds (>= 0), or undefined for anything else
 * (no bare numbers, fractions, signs or compounds). Never throws.
 */
export function parseDurationMs(text: string): number | undefined {
  const match = DURATION_RE.exec(text);
  if (match === null) return undefined;
  const [, digits = '', unit = ''] = match;
  const perUnit = MS_PER_UNIT[unit as keyof typeof MS_PER_UNIT];
  const ms = Number(digits) * perUnit;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

function withMeta<T extends z.ZodType>(schema: T, meta: EnvFieldMeta): T {
  envRegistry.add(schema, meta);
  return schema;
}

/** Options shared by the field builders. */
export type EnvFieldOptions<D> = {
  readonly description: string;
  /** Default used when the variable is unset (or empty). */
  readonly default?: D;
  /** Mark as secret (redacted from logs and docs examples). */
  readonly secret?: boolean;
};

function metaOf(
  type: string,
  options: EnvFieldOptions<unknown>,
  defaultText: string | undefined,
): EnvFieldMeta {
  return {
    description: options.description,
    type,
    ...(defaultText === undefined ? {} : { defaultText }),
    ...(options.secret === true ? { secret: true } : {}),
  };
}

/** A duration (`500ms`, `10s`, `5m`) parsed to milliseconds; the default is written the same way. */
export function envDuration(options: EnvFieldOptions<string> & { readonly minMs?: number }) {
  const minMs = options.minMs ?? 0;
  const base = z.string().transform((text, ctx) => {
    const ms = parseDurationMs(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: 'expected a duration like 500ms, 10s, 5m, 1h' });
      return z.NEVER;
    }
    if (ms < minMs) {
      ctx.addIssue({ code: 'custom', message: `must be at least ${String(minMs)}ms` });
      return z.NEVER;
    }
    return ms;
  });
  const schema = options.default === undefined ? base : base.prefault(options.default);
  return withMeta(schema, metaOf('duration', options, options.default));
}

/** A boolean written as true/false, 1/0, yes/no, on/off (zod `stringbool`). */
export function envBoolean(options: EnvFieldOptions<boolean>) {
  const base = z.stringbool();
  const schema = options.default === undefined ? base : base.default(options.default);
  return withMeta(schema, metaOf('boolean', options, options.default?.toString()));
}

/** An integer in `[min, max]`. */
export function envInteger(
  options: EnvFieldOptions<number> & { readonly min: number; readonly max: number },
) {
  const base = z
    .string()
    .regex(/^-?\d+$/, { error: 'expected an integer' })
    .transform(Number)
    .pipe(z.int().min(options.min).max(options.max));
  const schema = options.default === undefined ? base : base.prefault(String(options.default));
  return withMeta(
    schema,
    metaOf(
      `integer ${String(options.min)}..${String(options.max)}`,
      options,
      optionalText(options),
    ),
  );
}

function optionalText(options: EnvFieldOptions<number>): string | undefined {
  return options.default === undefined ? undefined : String(options.default);
}

/** A TCP port, 0–65535 (0 = any free port, for tests). */
export function envPort(options: EnvFieldOptions<number>) {
  const base = z
    .string()
    .regex(/^\d{1,5}$/, { error: 'expected a port number' })
    .transform(Number)
    .pipe(z.int().min(0).max(65_535));
  const schema = options.default === undefined ? base : base.prefault(String(options.default));
  return withMeta(schema, metaOf('port', options, optionalText(options)));
}

/** A string, optionally constrained by `pattern` and `minLength`. */
export function envString(
  options: EnvFieldOptions<string> & {
    readonly pattern?: RegExp;
    readonly patternText?: string;
    readonly minLength?: number;
    readonly maxLength?: number;
  },
) {
  let base = z.string().min(options.minLength ?? 1);
  if (options.maxLength !== undefined) base = base.max(options.maxLength);
  if (options.pattern !== undefined) {
    base = base.regex(options.pattern, {
      error: `expected ${options.patternText ?? 'a valid value'}`,
    });
  }
  const schema = options.default === undefined ? base : base.prefault(options.default);
  return withMeta(schema, metaOf('string', options, options.default));
}

/** One of `values`. */
export function envEnum<const V extends readonly [string, ...string[]]>(
  values: V,
  options: EnvFieldOptions<V[number]>,
) {
  const base = z.enum(values);
  const schema = options.default === undefined ? base : base.prefault(options.default);
  return withMeta(schema, metaOf(values.join(' | '), options, options.default));
}

/**
 * A comma-separated list of URLs whose scheme is one of `schemes` (e.g. `nats`, `tls`); output is
 * the trimmed list.
 */
export function envUrlList(
  options: EnvFieldOptions<string> & { readonly schemes: readonly string[] },
) {
  const base = z.string().transform((text, ctx) => {
    const urls = text
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== '');
    if (urls.length === 0) ctx.addIssue({ code: 'custom', message: 'expected at least one URL' });
    for (const url of urls) {
      if (!isUrlWithScheme(url, options.schemes)) {
        ctx.addIssue({
          code: 'custom',
          message: `not a ${options.schemes.map((s) => `${s}://`).join(' or ')} URL: ${url}`,
        });
      }
    }
    return urls;
  });
  const schema = options.default === undefined ? base : base.prefault(options.default);
  return withMeta(schema, metaOf('url list', options, options.default));
}

/** A single URL whose scheme is one of `schemes` (e.g. `postgres`, `postgresql`). */
export function envUrl(options: EnvFieldOptions<string> & { readonly schemes: readonly string[] }) {
  const base = z.string().refine((text) => isUrlWithScheme(text, options.schemes), {
    error: `expected a ${options.schemes.map((s) => `${s}://`).join(' or ')} URL`,
  });
  const schema = options.default === undefined ? base : base.prefault(options.default);
  return withMeta(schema, metaOf('url', options, options.default));
}

function isUrlWithScheme(text: string, schemes: readonly string[]): boolean {
  if (!URL.canParse(text)) return false;
  const scheme = new URL(text).protocol.replace(/:$/, '');
  return schemes.includes(scheme);
}

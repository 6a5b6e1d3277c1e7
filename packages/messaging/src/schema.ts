import { MAX_LISTED_ISSUES, type SchemaIssue } from '@fedplane/core';

/**
 * The slice of a zod schema this package uses, typed structurally so that any zod 4 schema (the
 * wire schemas of `@fedplane/core`) fits without this package depending on zod itself.
 */
export type ParseSchema<T> = {
  safeParse(input: unknown):
    | { readonly success: true; readonly data: T }
    | {
        readonly success: false;
        readonly error: {
          readonly issues: readonly {
            readonly path: readonly PropertyKey[];
            readonly code: string;
            readonly message: string;
          }[];
        };
      };
};

/** The issues of a failed parse as core's `SchemaIssue`s (at most `MAX_LISTED_ISSUES`). */
export function schemaIssues(error: {
  readonly issues: readonly {
    readonly path: readonly PropertyKey[];
    readonly code: string;
    readonly message: string;
  }[];
}): SchemaIssue[] {
  return error.issues.slice(0, MAX_LISTED_ISSUES).map((issue) => ({
    path: issue.path.map(String).join('.'),
    code: issue.code,
    message: issue.message,
  }));
}

/** Validation through the Standard Schema interface (zod 4, valibot, arktype, …): nothing else of a schema is used. @module */
import type { RpcIssue } from '../wire/errors.js';

interface SchemaIssue {
  readonly message: string;
  readonly path?: ReadonlyArray<PropertyKey | { readonly key: PropertyKey }> | undefined;
}

type SchemaResult<TOutput> =
  | { readonly value: TOutput; readonly issues?: undefined }
  | { readonly issues: ReadonlyArray<SchemaIssue> };

/**
 * A validator cluster-rpc accepts: anything implementing [Standard Schema](https://standardschema.dev) v1.
 * @example
 * ```ts
 * import type { Schema } from 'cluster-rpc/types';
 * const port: Schema<number | string, number> = {
 *   '~standard': { version: 1, vendor: 'my-app', validate: (value) => ({ value: Number(value) }) },
 * };
 * ```
 * @group Define
 */
export interface Schema<TInput = unknown, TOutput = TInput> {
  /** The Standard Schema entry point. */
  readonly '~standard': {
    /** The Standard Schema version: 1. */
    readonly version: 1;
    /** The library that made the schema, such as `'zod'`. */
    readonly vendor: string;
    /** Checks a value: the parsed value, or the issues found. */
    readonly validate: (value: unknown) => SchemaResult<TOutput> | Promise<SchemaResult<TOutput>>;
    /** Carries the input and output types for inference only. */
    readonly types?:
      | {
          /** What the schema accepts. */
          readonly input: TInput;
          /** What it produces. */
          readonly output: TOutput;
        }
      | undefined;
  };
}

/**
 * What a schema accepts (`z.input<S>` for zod): what callers pass.
 * @example
 * ```ts
 * import { z } from 'zod';
 * import type { SchemaInput } from 'cluster-rpc/types';
 * const Page = z.object({ size: z.number().default(20) });
 * const request: SchemaInput<typeof Page> = {}; // size is optional on the way in
 * ```
 * @group Type helpers
 */
export type SchemaInput<TSchema> = TSchema extends Schema<infer I, unknown> ? I : never;

/**
 * What a schema produces (`z.output<S>` for zod): what handlers receive of their input, callers of their output.
 * @example
 * ```ts
 * import { z } from 'zod';
 * import type { SchemaOutput } from 'cluster-rpc/types';
 * const parsed: SchemaOutput<z.ZodDefault<z.ZodNumber>> = 20;
 * ```
 * @group Type helpers
 */
export type SchemaOutput<TSchema> = TSchema extends Schema<unknown, infer O> ? O : never;

/** A validation outcome with issues in the shape that crosses the wire. */
export type Validation = { readonly value: unknown; readonly issues?: undefined } | { readonly issues: RpcIssue[] };

export function isSchema(value: unknown): value is Schema {
  if ((typeof value !== 'object' && typeof value !== 'function') || value === null) return false;
  const standard = (value as { '~standard'?: { version?: unknown; validate?: unknown } })['~standard'];
  return typeof standard === 'object' && standard !== null && standard.version === 1 && typeof standard.validate === 'function';
}

function toIssue(issue: SchemaIssue): RpcIssue {
  const path: Array<string | number> = [];
  for (const segment of issue.path ?? []) {
    const key = typeof segment === 'object' ? segment.key : segment;
    path.push(typeof key === 'number' ? key : String(key));
  }
  return { message: String(issue.message), path };
}

/** Only issues are converted: a success passes on as the validator made it. */
function settle(result: SchemaResult<unknown>): Validation {
  return result.issues ? { issues: result.issues.map(toIssue) } : result;
}

/** Synchronous schemas answer without a promise, so the call path pays no extra microtask for them. */
export function validate(schema: Schema, value: unknown): Validation | Promise<Validation> {
  const result = schema['~standard'].validate(value);
  return result instanceof Promise ? result.then(settle) : settle(result);
}

/** `by: Expected number, received string`: the first issue, readable in one line. */
export function summariseIssues(issues: readonly RpcIssue[]): string {
  const [first] = issues;
  if (!first) return 'invalid';
  const where = first.path.length > 0 ? `${first.path.join('.')}: ` : '';
  const more = issues.length > 1 ? ` (and ${issues.length - 1} more)` : '';
  return `${where}${first.message}${more}`;
}

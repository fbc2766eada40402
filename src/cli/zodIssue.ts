/**
 * From zod's first issue to a {@link SpecError} naming the field, the way src/models/spec.ts does it, plus
 * the helpers the run spec's schemas share: finite numbers and seeds whose errors say what was expected and
 * what was found.
 *
 * @module
 */
import { z } from 'zod';
import { SpecError, formatPath } from '../core/specError.js';

/** A JSON value as it appears in an error: strings quoted, the rest as JSON writes it. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'number') return String(value);
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 37)}...` : text;
}

// Zod calls this for every issue whose schema gives no message of its own: a missing field says so rather
// than "expected number, received undefined".
const errorMap: z.core.$ZodErrorMap = (issue) => {
  if (issue.code === 'invalid_type') {
    return issue.input === undefined ? 'required field is missing' : `expected ${issue.expected}, got ${showValue(issue.input)}`;
  }
  return undefined;
};

/**
 * A number field: finite (JSON has no NaN or Infinity, but a string "NaN" or a null is a likely mistake), with
 * an error naming what was found.
 */
export function finiteNumber(): z.ZodNumber {
  return z.number({ error: (issue) => (issue.input === undefined ? 'required field is missing' : `expected a finite number, got ${showValue(issue.input)}`) });
}

/** A positive finite number (a learning rate, a horizon, a tolerance). */
export function positiveNumber(): z.ZodNumber {
  return finiteNumber().positive({ error: (issue) => `expected a positive number, got ${showValue(issue.input)}` });
}

/** An integer at least `min`. */
export function integerAtLeast(min: number): z.ZodNumber {
  return finiteNumber()
    .int({ error: (issue) => `expected an integer, got ${showValue(issue.input)}` })
    .min(min, { error: (issue) => `expected an integer >= ${min}, got ${showValue(issue.input)}` });
}

/** A seed of the generator: an integer in 0..2^32-1 (the generator reduces others modulo 2^32, aliasing them). */
export function seedNumber(): z.ZodNumber {
  return integerAtLeast(0).max(2 ** 32 - 1, { error: (issue) => `a seed is an integer in 0..4294967295, got ${showValue(issue.input)}` });
}

/**
 * Parse `input` with `schema`; on failure throw a {@link SpecError} for the first issue, its path prefixed by
 * `field`. An unknown key names the key itself
 * (with `unknownKeyHint` appended to the problem).
 */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, field: string, unknownKeyHint = ''): z.output<S> {
  const result = schema.safeParse(input, { error: errorMap });
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  if (issue.code === 'unrecognized_keys') {
    throw new SpecError(formatPath(field, [...issue.path, issue.keys[0] ?? '']), `unknown field${unknownKeyHint}`);
  }
  throw new SpecError(formatPath(field, issue.path), issue.message);
}

/** The problem part of a SpecError's message (after `field: `). */
export function problemOf(error: SpecError): string {
  return error.field && error.message.startsWith(`${error.field}: `) ? error.message.slice(error.field.length + 2) : error.message;
}

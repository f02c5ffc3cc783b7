/**
 * Typed errors whose messages say what was wrong and how to fix it, and the
 * turning of zod issues into plain sentences. Pure.
 */
import type { z } from 'zod';
import { stateWords } from './words/school-state.js';

export interface Problem {
  /** Dotted field path, e.g. "teachers.1.email" ("(root)" for the whole input). */
  path: string;
  /** The rule broken, in plain words. */
  message: string;
  /** The offending value, when there is one small enough to show. */
  value?: unknown;
  severity: 'error' | 'warning';
}

export function pathOf(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '(root)' : path.map(String).join('.');
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

function showValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

/** One readable sentence per problem: `teachers.1.email must be an email address (got "x").` */
export function sentence(p: Problem): string {
  const got = p.value === undefined ? '' : ` (got ${showValue(p.value)})`;
  return `${p.severity === 'warning' ? 'warning: ' : ''}${p.path} ${p.message}${got}.`;
}

/** A JSON type with its article, as a sentence says it: "an object", "an array", "a string", "null", "a whole number". Pure. */
function aType(t: string): string {
  if (t === 'null' || t === 'undefined') return t;
  if (t === 'int') return 'a whole number';
  return `${/^[aeiou]/.test(t) ? 'an' : 'a'} ${t}`;
}

/** Every zod issue of a failed parse, as problems with the offending value. */
export function problemsFromZod(error: z.ZodError, input: unknown): Problem[] {
  return error.issues.map((issue) => {
    const value = valueAt(input, issue.path);
    let message = issue.message;
    if (issue.code === 'invalid_type' && value === undefined) message = 'is required';
    else if (issue.code === 'invalid_union' && 'discriminator' in issue && issue.discriminator) message = `must be one of the known ${issue.discriminator} values`;
    else if (/^Invalid input: expected/.test(message)) message = message.replace(/^Invalid input: expected (\w+), received (\w+)/, (_m, want: string, got: string) => (want === 'int' && got === 'number' ? 'must be a whole number' : `must be ${aType(want)}, not ${aType(got)}`));
    else if (/^Invalid option: expected one of/.test(message)) message = message.replace(/^Invalid option: expected one of/, 'must be one of');
    else if (/^Unrecognized key/.test(message)) message = message.replace(/^Unrecognized keys?:/, 'has unknown field(s):');
    return { path: pathOf(issue.path), message, value: value === undefined || typeof value === 'object' ? undefined : value, severity: 'error' as const };
  });
}

/** Bad input from a caller: exit 2 in the CLI, HTTP 400 in the API. Nothing was stored. */
export class ValidationError extends Error {
  override readonly name = 'ValidationError';
  constructor(readonly problems: Problem[], what = 'input') {
    super(`${what} is invalid: ${problems.filter((p) => p.severity === 'error').map(sentence).join(' ')}`);
  }
}

/** Parse with a zod schema or throw a ValidationError listing every problem at once. */
export function parseOrThrow<S extends z.ZodType>(schema: S, input: unknown, what = 'input'): z.output<S> {
  const r = schema.safeParse(input);
  if (!r.success) throw new ValidationError(problemsFromZod(r.error, input), what);
  return r.data;
}

/**
 * The event is well formed but the school's current state does not accept it.
 * HTTP 422, CLI exit 2. The message names the state as the pages do
 * ("school 122657 (Readiness: application received) cannot take APPLY: …");
 * `state` keeps the engine's "phase/status" for programs, and `phase` and
 * `status` split it.
 */
/** The refusal in words: "school 122657 (Readiness: application received) cannot take APPLY: …", from the engine's "phase/status" state. Pure. */
export function rejectedMessage(urn: string, eventType: string, state: string, why: string): string {
  const [phase, status] = splitState(state);
  return `school ${urn} (${stateWords({ phase, status })}) cannot take ${eventType}: ${why}`;
}

function splitState(state: string): [string, string] {
  const [phase, status] = state.includes('/') ? state.split('/', 2) : ['none', state];
  return [phase!, status!];
}

export class EventRejectedError extends Error {
  override readonly name = 'EventRejectedError';
  /** The school's phase ("readiness"; "none" before any). */
  readonly phase: string;
  /** The school's status ("applied"). */
  readonly status: string;
  constructor(readonly urn: string, readonly eventType: string, readonly state: string, readonly why: string) {
    super(rejectedMessage(urn, eventType, state, why));
    [this.phase, this.status] = splitState(state);
  }
}

/** The caller's expectedVersion is stale. HTTP 409, CLI exit 2. Nothing was written. */
export class VersionConflictError extends Error {
  override readonly name = 'VersionConflictError';
  constructor(readonly urn: string, readonly expected: number, readonly actual: number) {
    super(`school ${urn} is at version ${actual}, not ${expected}: someone else changed it; reload its state and try again`);
  }
}

/** No stream for this URN. HTTP 404, CLI exit 2. */
export class UnknownSchoolError extends Error {
  override readonly name = 'UnknownSchoolError';
  constructor(readonly urn: string) {
    super(`no school with URN ${urn}: submit its application first, or check the URN`);
  }
}

/**
 * Like problemsFromZod, with three refinements for forms. Pure.
 * - A custom issue may carry `params: { severity, value }` (added by a
 *   superRefine) and keeps that severity and value.
 * - A follow-on issue at a path that already has a wrong-type issue is dropped
 *   (zod runs size checks on a value of the wrong type: "must be an array" then
 *   "must have 2 items" would say the same thing twice).
 * - A bad discriminator lists the values it may take; "a object" reads "an object".
 */
export function problemsWithSeverity(error: z.ZodError, input: unknown): Problem[] {
  const base = problemsFromZod(error, input);
  const wrongType = new Set(error.issues.filter((i) => i.code === 'invalid_type').map((i) => pathOf(i.path)));
  const out: Problem[] = [];
  error.issues.forEach((issue, n) => {
    const p = { ...base[n]! };
    if (issue.code !== 'invalid_type' && wrongType.has(p.path)) return;
    if (issue.code === 'custom' && issue.params) {
      const params = issue.params as { severity?: unknown; value?: unknown };
      if (params.severity === 'warning' || params.severity === 'error') p.severity = params.severity;
      if ('value' in params) p.value = params.value;
    }
    if (issue.code === 'invalid_union' && 'options' in issue && Array.isArray(issue.options) && issue.options.length > 0) {
      const options = issue.options.map((o) => JSON.stringify(o)).join(', ');
      p.message = valueAt(input, issue.path) === undefined ? `is required: one of ${options}` : `must be one of ${options}`;
    }
    p.message = p.message.replace(/^must be a (object|array)\b/, 'must be an $1');
    out.push(p);
  });
  return out;
}

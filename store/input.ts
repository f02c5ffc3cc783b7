/**
 * Checks on the arguments of store functions, reported as ValidationError
 * problems that name the field, the rule and the value. Pure.
 */
import { ValidationError, type Problem } from '../domain/errors.js';
import { instantProblem, textProblem, textProblems } from '../domain/boundary.js';

/** Collects problems, then throws them all at once. */
export class Checks {
  readonly problems: Problem[] = [];
  constructor(private readonly what: string) {}

  add(path: string, message: string, value?: unknown): void {
    this.problems.push({ path, message, value, severity: 'error' });
  }

  text(path: string, value: unknown): string {
    if (typeof value !== 'string' || value.trim() === '') this.add(path, 'must be a non-empty string', value);
    else if (textProblem(value)) this.add(path, textProblem(value)!, value);
    return value as string;
  }

  wholeNumber(path: string, value: unknown, min: number): number {
    if (typeof value !== 'number' || !Number.isInteger(value) || value < min) this.add(path, `must be a whole number of at least ${min}`, value);
    return value as number;
  }

  /**
   * An ISO instant with offset of a date that exists (2031-02-30 is refused,
   * not moved to 2 March; any year, as the epoch stands for "from the
   * beginning" here), returned as UTC with milliseconds (the form the
   * store keeps).
   */
  instant(path: string, value: unknown): string {
    const problem = typeof value === 'string' ? instantProblem(value, { span: false }) : 'must be an ISO date-time with offset, e.g. 2021-03-01T09:00:00Z';
    if (problem) {
      this.add(path, problem, value);
      return value as string;
    }
    return new Date(value as string).toISOString();
  }

  json(path: string, value: unknown): string {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (err) {
      this.add(path, `must be JSON-serialisable (${err instanceof Error ? err.message : String(err)})`);
      return '';
    }
    if (text === undefined) this.add(path, 'must be a JSON value (not undefined or a function)');
    // jsonb cannot hold the NUL character nor a lone surrogate; say so here, naming the field, rather than as a driver error.
    else for (const p of textProblems(value)) this.add(p.path === '(root)' ? path : `${path}.${p.path}`, p.message);
    return text ?? '';
  }

  done(): void {
    if (this.problems.length > 0) throw new ValidationError(this.problems, this.what);
  }
}

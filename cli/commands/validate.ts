/**
 * `pathway validate <form.json> [--json]`: checks an application form file and
 * reports every problem at once. Exit 0 when valid (warnings allowed), 2 when
 * invalid or when the file cannot be read or is not JSON.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { sentence, type Problem } from '../../domain/errors.js';
import { validateForm, type FormValidation } from '../../domain/forms/index.js';
import { findJsonBreak } from '../../domain/forms/json-error.js';
import { UsageError } from '../exit.js';

/**
 * Parses `text` (a leading byte-order mark allowed) as JSON, or throws a
 * UsageError naming `file`, the line and column where the JSON breaks, and why.
 * Pure.
 */
export function parseJsonFile(file: string, text: string): unknown {
  const body = text.replace(/^\uFEFF/, '');
  try {
    return JSON.parse(body);
  } catch (err) {
    const at = findJsonBreak(body);
    if (at) throw new UsageError(`${file} is not valid JSON: line ${at.line}, column ${at.column}: ${at.reason}`);
    throw new UsageError(`${file} is not valid JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Read and parse a form file; a missing file or bad JSON is a UsageError naming the file (exit 2). */
export async function readForm(file: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    throw new UsageError(`cannot read form ${file}: ${why}`);
  }
  return parseJsonFile(file, text);
}

function jsonProblem(p: Problem) {
  return { path: p.path, message: p.message, value: p.value === undefined ? null : p.value, severity: p.severity };
}

function schoolOf(r: FormValidation): string {
  return r.form ? `${r.form.school.name} (URN ${r.form.school.urn})` : '';
}

/** Adds the `validate` command. */
export function register(program: Command): void {
  program
    .command('validate')
    .description('Check an application form (JSON): every problem at once; exit 0 valid, 2 invalid')
    .argument('<form.json>', 'the form file, e.g. examples/forms/primary-readiness-2020.json')
    .option('--json', 'print {ok, kind, problems:[{path, message, value, severity}]}')
    .action(async (file: string, options: { json?: boolean }) => {
      let input: unknown;
      try {
        input = await readForm(file);
      } catch (err) {
        if (!options.json || !(err instanceof UsageError)) throw err;
        process.stdout.write(`${JSON.stringify({ ok: false, kind: null, problems: [{ path: '(file)', message: err.message, value: file, severity: 'error' }] }, null, 2)}\n`);
        process.exitCode = 2;
        return;
      }
      const result = validateForm(input);
      if (options.json) {
        process.stdout.write(`${JSON.stringify({ ok: result.ok, kind: result.kind ?? null, problems: result.problems.map(jsonProblem) }, null, 2)}\n`);
      } else {
        const errors = result.problems.filter((p) => p.severity === 'error').length;
        const warnings = result.problems.length - errors;
        const header = result.ok
          ? `valid ${result.kind} for ${schoolOf(result)}${warnings ? ` (${warnings} warning${warnings === 1 ? '' : 's'})` : ''}`
          : `invalid ${result.kind ?? 'form'} in ${file}: ${errors} error${errors === 1 ? '' : 's'}${warnings ? `, ${warnings} warning${warnings === 1 ? '' : 's'}` : ''}`;
        process.stdout.write([header, ...result.problems.map((p) => `  ${sentence(p)}`)].join('\n') + '\n');
      }
      if (!result.ok) process.exitCode = 2;
    });
}

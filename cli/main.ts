/**
 * The `pathway` command line. Each command lives in cli/commands/<name>.ts and
 * exports `register(program)`. Exit codes: 0 ok, 2 bad input or a rule refused,
 * 1 environment (database unreachable, ...).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { exitCodeFor, describeError } from './exit.js';
import { registerCommands, type CommandLoader } from './lazy.js';

/**
 * The command modules, each imported only when a run needs it (cli/lazy.ts):
 * `pathway --help` must not load fastify, PGlite or Temporal. Keep the
 * modules' top level to `register(program)` and its imports.
 */
export const commandModules: CommandLoader[] = [
  () => import('./commands/apply.js'),
  () => import('./commands/event.js'),
  () => import('./commands/status.js'),
  () => import('./commands/history.js'),
  () => import('./commands/tick.js'),
  () => import('./commands/simulate.js'),
  () => import('./commands/programmes.js'),
  () => import('./commands/chart.js'),
  () => import('./commands/hubs.js'),
  () => import('./commands/validate.js'),
  () => import('./commands/temporal.js'),
  () => import('./commands/serve.js'),
  () => import('./commands/users.js'),
  () => import('./commands/groups.js'),
  () => import('./commands/schedule.js'),
  () => import('./commands/attend.js'),
  () => import('./commands/cohort.js'),
  () => import('./commands/schools.js'),
];

/** The version in package.json. Reads a file. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/** The program with the commands `argv` needs registered. */
export async function buildProgram(argv: string[] = process.argv): Promise<Command> {
  const program = new Command('pathway')
    .description("Run schools' Teaching for Mastery pathways for a Maths Hub, and replay their history.")
    .version(packageVersion(), '-V, --version', 'print the version of Mastery Pathway')
    .option('--db <folder|postgres-url>', 'database: a PGlite folder or a postgres:// URL (default: DATABASE_URL, else ./.pglite)')
    .showHelpAfterError()
    .exitOverride();
  await registerCommands(program, commandModules, argv);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  try {
    const program = await buildProgram(argv);
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode === 0 ? 0 : 2;
      return;
    }
    process.stderr.write(`pathway: ${describeError(err)}\n`);
    process.exitCode = exitCodeFor(err);
  }
}

/**
 * The `pathway` command line. Each command lives in cli/commands/<name>.ts and
 * exports `register(program)`. Exit codes: 0 ok, 2 bad input or a rule refused,
 * 1 environment (database unreachable, ...).
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { exitCodeFor, describeError } from './exit.js';
import * as programmes from './commands/programmes.js';
import * as chart from './commands/chart.js';
import * as hubs from './commands/hubs.js';
import * as validate from './commands/validate.js';
import * as temporal from './commands/temporal.js';
import * as serve from './commands/serve.js';
import * as users from './commands/users.js';
import * as groups from './commands/groups.js';
import * as schedule from './commands/schedule.js';
import * as attend from './commands/attend.js';
import * as cohort from './commands/cohort.js';
import * as schools from './commands/schools.js';
import * as apply from './commands/apply.js';
import * as event from './commands/event.js';
import * as status from './commands/status.js';
import * as history from './commands/history.js';
import * as tick from './commands/tick.js';
import * as simulate from './commands/simulate.js';

const commands: { register(program: Command): void }[] = [
  apply,
  event,
  status,
  history,
  tick,
  simulate,
  programmes,
  chart,
  hubs,
  validate,
  temporal,
  serve,
  users,
  groups,
  schedule,
  attend,
  cohort,
  schools,
];

/** The version in package.json. Reads a file. */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

export function buildProgram(): Command {
  const program = new Command('pathway')
    .description("Run schools' Teaching for Mastery pathways for a Maths Hub, and replay their history.")
    .version(packageVersion(), '-V, --version', 'print the version of Mastery Pathway')
    .option('--db <folder|postgres-url>', 'database: a PGlite folder or a postgres:// URL (default: DATABASE_URL, else ./.pglite)')
    .showHelpAfterError()
    .exitOverride();
  for (const c of commands) c.register(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
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

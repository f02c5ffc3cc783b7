/**
 * The `pathway` command line. Each command lives in cli/commands/<name>.ts and
 * exports `register(program)`. Exit codes: 0 ok, 2 bad input or a rule refused
 * (and a bad setting), 1 environment (database unreachable, ...). Old command
 * names are rewritten to the new ones first (cli/aliases.ts); the environment
 * and the flags are checked against config/ before any command runs.
 */
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { exitCodeFor, describeError } from './exit.js';
import { registerCommands, type CommandLoader } from './lazy.js';
import { rewriteAliases } from './aliases.js';
import { setCliConfig } from './context.js';
import { setColour } from './colour.js';
import { setTableLayout, terminalWidth } from './table.js';

/**
 * The command modules, each imported only when a run needs it (cli/lazy.ts):
 * `pathway --help` must not load fastify, PGlite or Temporal. Keep the
 * modules' top level to `register(program)` and its imports.
 */
export const commandModules: CommandLoader[] = [
  () => import('./commands/schools.js'),
  () => import('./commands/applications.js'),
  () => import('./commands/groups.js'),
  () => import('./commands/schedule.js'),
  () => import('./commands/cohort.js'),
  () => import('./commands/users.js'),
  () => import('./commands/hubs.js'),
  () => import('./commands/programmes.js'),
  () => import('./commands/serve.js'),
  () => import('./commands/temporal.js'),
  () => import('./commands/simulate.js'),
  () => import('./commands/tick.js'),
  () => import('./commands/validate.js'),
  () => import('./commands/chart.js'),
  () => import('./commands/funding.js'),
  () => import('./commands/audit.js'),
  () => import('./commands/effects.js'),
  () => import('./commands/verify.js'),
  () => import('./commands/checkpoint.js'),
  () => import('./commands/whatif.js'),
  () => import('./commands/people.js'),
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
    .option('--wide', 'print tables at full width instead of fitting them to the terminal')
    .helpCommand('help [command]', 'Show help for a command')
    .addHelpText('after', '\nOlder names (apply, status, history, event, attend, schools apply|assess|select|waitlist|decline, groups add, users contact|contacts)\nstill work; each says what it is called now. Settings: see "Settings" in README.md.')
    .showHelpAfterError()
    .exitOverride();
  await registerCommands(program, commandModules, argv);
  program.hook('preAction', async (_program, action) => {
    await loadSettings(program, action);
  });
  return program;
}

/**
 * Loads the configuration from the environment and the flags before a command
 * runs (every bad value named at once: ConfigError, exit 2), and sets the
 * colour and table width for this run. Imported here, not at the top, so that
 * `pathway --help` does not load zod.
 */
async function loadSettings(program: Command, action: Command): Promise<void> {
  const { loadConfig, installSettings, processEnvironment } = await import('../config/load.js');
  const root = program.opts<{ db?: string; wide?: boolean }>();
  const own = action.opts<{ port?: string; host?: string; demo?: boolean }>();
  const config = loadConfig(processEnvironment(), { db: root.db, port: own.port, host: own.host, demo: own.demo });
  installSettings(config);
  setCliConfig(config);
  setColour(config.color);
  setTableLayout({ width: root.wide ? Infinity : terminalWidth() });
}

export async function main(args: string[]): Promise<void> {
  try {
    const argv = rewriteAliases(args);
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

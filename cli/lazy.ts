/**
 * Loads only the command module a run needs, so `pathway --help` does not
 * import fastify, PGlite, Temporal or sass (each command module imports its
 * implementation at the top). `npm run build` writes dist/cli/command-index.json:
 * each top-level command's name, aliases, description, argument names and
 * whether it has options, and which module registers it. With that index,
 * `pathway status 123` imports cli/commands/status only, and the top-level
 * help and "unknown command" errors are made from placeholders that show the
 * same lines. Without it (the sources run through tsx), every module is
 * loaded, as before. Reads one file.
 */
import { readFileSync } from 'node:fs';
import { Command, Option } from 'commander';

/** What each cli/commands/<name>.ts exports. */
export interface CommandModule {
  register(program: Command): void;
}
export type CommandLoader = () => Promise<CommandModule>;

/** One top-level command as the index records it. */
export interface IndexedCommand {
  name: string;
  aliases: string[];
  description: string;
  summary: string;
  /** "<urn>", "[file]", "<urns...>": as commander prints them. */
  args: string[];
  hasOptions: boolean;
  hidden: boolean;
  /** Position of its loader in the list given to registerCommands. */
  module: number;
}

/** Written by the build next to the compiled cli/main.js; absent in the sources. */
const INDEX_URL = new URL('./command-index.json', import.meta.url);

/** The index, or undefined when there is none (running the TypeScript sources). */
function readIndex(): IndexedCommand[] | undefined {
  try {
    return JSON.parse(readFileSync(INDEX_URL, 'utf8')) as IndexedCommand[];
  } catch {
    // No index: the sources are running through tsx, or dist/ is half built.
    return undefined;
  }
}

/**
 * The first word of `args` (argv without node and script) that is not an option
 * of `program` or an option's value: the command asked for, if any. Pure.
 */
export function commandWord(program: Command, args: readonly string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--') return args[i + 1];
    if (!arg.startsWith('-') || arg === '-') return arg;
    // "--db x" takes the next word; "--db=x" and flags do not.
    const option = program.options.find((o) => o.long === arg || o.short === arg);
    if (option && (option.required || option.optional)) i++;
  }
  return undefined;
}

/**
 * Registers on `program` what this run needs: the one module that registers
 * the command named in `argv` (or named after `help`), else placeholders for
 * every command (for the top-level help and unknown-command suggestions), or
 * every module when there is no index. Not pure (imports modules, reads a file).
 */
export async function registerCommands(program: Command, loaders: readonly CommandLoader[], argv: readonly string[]): Promise<void> {
  const index = readIndex();
  if (!index) {
    for (const load of loaders) (await load()).register(program);
    return;
  }
  const args = argv.slice(2);
  let word = commandWord(program, args);
  if (word === 'help') word = commandWord(program, args.slice(args.indexOf('help') + 1));
  const wanted = index.find((c) => c.name === word || c.aliases.includes(word ?? ''));
  const loader = wanted ? loaders[wanted.module] : undefined;
  if (loader) {
    (await loader()).register(program);
    return;
  }
  for (const c of index) addPlaceholder(program, c);
}

/** A command that prints in the top-level help as the real one does; it never runs (any use of it loads the real one). */
function addPlaceholder(program: Command, c: IndexedCommand): void {
  const cmd = program.command(c.name, { hidden: c.hidden }).aliases(c.aliases).description(c.description);
  if (c.summary) cmd.summary(c.summary);
  for (const a of c.args) cmd.argument(a);
  // Commander prints "[options]" after a command that has any option.
  if (c.hasOptions) cmd.addOption(new Option('--placeholder').hideHelp());
}

/** The index of the top-level commands the loaders register, for the build to write. Not pure (imports every module). */
export async function commandIndex(loaders: readonly CommandLoader[]): Promise<IndexedCommand[]> {
  const out: IndexedCommand[] = [];
  for (const [module, load] of loaders.entries()) {
    const program = new Command();
    (await load()).register(program);
    for (const cmd of program.commands) {
      out.push({
        name: cmd.name(),
        aliases: cmd.aliases(),
        description: cmd.description(),
        summary: cmd.summary(),
        args: cmd.registeredArguments.map((a) => {
          const name = a.name() + (a.variadic ? '...' : '');
          return a.required ? `<${name}>` : `[${name}]`;
        }),
        hasOptions: cmd.options.length > 0,
        hidden: (cmd as unknown as { _hidden?: boolean })._hidden === true,
        module,
      });
    }
  }
  return out;
}

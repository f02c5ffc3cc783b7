/**
 * The old command names, kept working: each is rewritten to the command of the
 * one command set before commander sees it, after a one-line notice on stderr
 * naming the new command. So an old name gives exactly the new command's
 * output, time zone and exit code. Pure, but for `rewriteAliases`' notice.
 */

/** One old name and the words it becomes, given the words that followed it. */
export interface Alias {
  old: string[];
  now: string[];
  /** Rearranges the arguments after the old words, when they differ (`groups add <group> <urn>`). */
  args?: (rest: string[]) => string[];
}

export const ALIASES: readonly Alias[] = [
  { old: ['apply'], now: ['applications', 'submit'] },
  { old: ['schools', 'apply'], now: ['applications', 'submit'] },
  { old: ['schools', 'assess'], now: ['applications', 'assess'] },
  { old: ['schools', 'select'], now: ['applications', 'select'] },
  { old: ['schools', 'waitlist'], now: ['applications', 'waitlist'] },
  { old: ['schools', 'decline'], now: ['applications', 'decline'] },
  {
    old: ['groups', 'add'],
    now: ['applications', 'select'],
    // `groups add <group> <urn> [options]` is `applications select <urn> --group <group> [options]`.
    args: (rest) => {
      const words = rest.filter((w) => !w.startsWith('-'));
      if (words.length < 2) return rest;
      const [group, urn] = words as [string, string];
      const others = [...rest];
      others.splice(others.indexOf(group), 1);
      others.splice(others.indexOf(urn), 1);
      return [urn, '--group', group, ...others];
    },
  },
  { old: ['status'], now: ['schools', 'show'] },
  { old: ['history'], now: ['schools', 'history'] },
  { old: ['event'], now: ['schools', 'event'] },
  { old: ['attend'], now: ['schools', 'attend'] },
  { old: ['users', 'contact'], now: ['hubs', 'contact'] },
  { old: ['users', 'contacts'], now: ['hubs', 'contacts'] },
];

/** The program's options that take a value, so their values are not read as command words. */
const VALUE_OPTIONS = new Set(['--db']);

/** Where the command words start in argv (after node, the script and global options). Pure. */
function commandStart(argv: readonly string[]): number {
  let i = 2;
  while (i < argv.length && argv[i]!.startsWith('-')) i += VALUE_OPTIONS.has(argv[i]!) ? 2 : 1;
  return i;
}

/** argv with an old command name replaced by the new one, and the alias used (or null). Pure. */
export function resolveAlias(argv: readonly string[]): { argv: string[]; alias: Alias | null } {
  const start = commandStart(argv);
  // The longest old name that matches wins: `schools apply` before `schools`.
  const found = [...ALIASES].sort((a, b) => b.old.length - a.old.length).find((a) => a.old.every((w, k) => argv[start + k] === w));
  if (!found) return { argv: [...argv], alias: null };
  const rest = argv.slice(start + found.old.length);
  return { argv: [...argv.slice(0, start), ...found.now, ...(found.args ? found.args(rest) : rest)], alias: found };
}

/** The one-line notice for an old name. Pure. */
export function deprecationNotice(alias: Alias): string {
  return `pathway: "pathway ${alias.old.join(' ')}" is now "pathway ${alias.now.join(' ')}"${alias.args ? ' <urn> --group <group>' : ''}; the old name still works but will go`;
}

/** Rewrites an old command name in argv, saying so on stderr. Not pure (writes stderr). */
export function rewriteAliases(argv: readonly string[]): string[] {
  const r = resolveAlias(argv);
  if (r.alias) process.stderr.write(`${deprecationNotice(r.alias)}\n`);
  return r.argv;
}

/**
 * A work group's name as people read it in emails and new groups' names:
 * the programme without its catalogue note ("(rules carried forward from
 * 2021/22)"), and "group 1" where a default name ends in the group's id
 * ("…, group emeast-development-2026-1"). A name the hub chose is kept. Pure.
 */

const CARRIED_NOTE = /\s*\(rules carried forward from [^)]*\)/;

/** A programme's name without the catalogue's "(rules carried forward from …)" note. Pure. */
export function programmeReadName(name: string): string {
  return name.replace(CARRIED_NOTE, '').trim();
}

/** The group's number in its hub from an id ending "-N", else null. Pure. */
export function groupNumberOf(id: string): string | null {
  return /-(\d+)$/.exec(id)?.[1] ?? null;
}

/** A stored group name made readable: no catalogue note, no id where its number will do. Pure. */
export function readableGroupName(name: string, id: string): string {
  const n = groupNumberOf(id);
  const tidy = programmeReadName(name);
  return n && tidy.endsWith(`, group ${id}`) ? `${tidy.slice(0, -id.length)}${n}` : tidy;
}

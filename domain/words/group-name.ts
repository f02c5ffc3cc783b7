/**
 * A work group's name as people read it in emails and new groups' names:
 * the programme without its catalogue note ("(rules carried forward from
 * 2021/22)"), and "group 1" where a default name ends in the group's id
 * ("…, group emeast-development-2026-1"). A name the hub chose is kept. Pure.
 */

// The catalogue carries a year's rules forward to a later year or back to an earlier one (domain/catalogue/programmes.ts).
const CARRIED_NOTE = /\s*\(rules carried (?:forward|back) from [^)]*\)/i;

/** A programme's name without the catalogue's "(rules carried forward from …)" or "(rules carried back from …)" note. Pure. */
export function programmeReadName(name: string): string {
  return name.replace(CARRIED_NOTE, '').trim();
}

/** Text with every programme name in it read as programmeReadName reads one (a refusal can name the programme twice). Pure. */
export function withoutCarriedNotes(text: string): string {
  return text.replace(new RegExp(CARRIED_NOTE.source, 'gi'), '');
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

/** The name a new work group gets unless the hub gives one: "Primary Teaching for Mastery Development Work Group 2026/27, East Midlands East Maths Hub, group 1". Pure. */
export function defaultGroupName(programmeName: string, hubName: string, n: number | string): string {
  return `${programmeReadName(programmeName)}, ${hubName}, group ${n}`;
}

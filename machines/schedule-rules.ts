/**
 * The programme's schedule rules as guards: how many sessions of each kind a
 * year holds (at least `min`, at most `max`) and the months they fall in
 * (the rule's window, else the programme's year). SCHEDULE_SET and
 * SESSION_MOVED must keep a school's schedule inside them, whoever sends
 * the event (`schedule generate`, a hand-made event, another host). Each
 * refusal names the programme, the rule and the seed documents it comes
 * from. Counts apply to meetings and workshops (a missed one does not
 * count against the cap, so a catch-up can take its place); windows to
 * every kind. Pure: everything comes from the context and the event.
 */
import type { Programme, SessionKind, SessionRule } from '../domain/catalogue/schema.js';
import type { PathwayContext, SessionRecord } from './context.js';
import type { EventOf } from './events.js';
import { londonDate } from './time.js';

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** "2020-11" -> "November 2020". */
function monthWords(month: string): string {
  return `${MONTHS[Number(month.slice(5, 7)) - 1]} ${month.slice(0, 4)}`;
}

/** "2020-10-01" -> "1 October 2020". */
function dateWords(date: string): string {
  return `${Number(date.slice(8, 10))} ${MONTHS[Number(date.slice(5, 7)) - 1]} ${date.slice(0, 4)}`;
}

const KIND_WORDS: Record<SessionKind, [one: string, many: string]> = {
  meeting: ['half-day meeting', 'half-day meetings'],
  workshop: ['half-day workshop', 'half-day workshops'],
  visit: ['support visit', 'support visits'],
  inSchoolDay: ['in-school day', 'in-school days'],
};

function seeds(rules: SessionRule[]): string {
  const ids = [...new Set(rules.flatMap((r) => r.source))];
  return ids.map((s) => (s === 'web' ? 'the Maths Hubs web pages' : `seed ${s}`)).join(', ');
}

/** The first and last London dates of the programme's year: its early start (Readiness) or 1 September, to 31 August. */
function yearDates(p: Programme): { from: string; to: string } {
  const y = Number(p.academicYear.slice(0, 4));
  return { from: p.startsOn ?? `${y}-09-01`, to: `${y + 1}-08-31` };
}

/**
 * Where a session of `kind` may fall: the months of its rules' windows
 * ("2020-11" to "2021-07", any of them), else the London dates of the
 * programme's year. The guards below refuse a date outside them; a page
 * words them for a person. Pure.
 */
export type SessionBounds = { months: { from: string; to: string }[] } | { year: { from: string; to: string } };

/** The bounds of a session of `kind` in programme `p` (see SessionBounds). Pure. */
export function sessionBounds(p: Programme, kind: SessionKind): SessionBounds {
  // Read for every session of every schedule a replay folds: kept per programme (an immutable value) and kind.
  let byKind = bounded.get(p);
  if (!byKind) bounded.set(p, (byKind = new Map()));
  let b = byKind.get(kind);
  if (!b) {
    const windows = p.sessions.filter((r) => r.kind === kind && r.window).map((r) => r.window!);
    byKind.set(kind, (b = windows.length > 0 ? { months: windows } : { year: yearDates(p) }));
  }
  return b;
}
const bounded = new WeakMap<Programme, Map<SessionKind, SessionBounds>>();

/** Why a session of `kind` on instant `at` is outside the programme's months for it, or null. */
function outsideWindow(p: Programme, kind: SessionKind, id: string, at: string): string | null {
  const date = londonDate(at);
  const bounds = sessionBounds(p, kind);
  if ('months' in bounds) {
    const month = date.slice(0, 7);
    for (const w of bounds.months) if (month >= w.from && month <= w.to) return null;
    const w = bounds.months.map((x) => `${monthWords(x.from)} to ${monthWords(x.to)}`).join(' or ');
    return `${kind} ${id} on ${dateWords(date)} is outside the months ${p.name} holds its ${KIND_WORDS[kind][1]}: ${w} (rule sessions.${kind}.window, ${seeds(rulesOf(p, kind))})`;
  }
  const year = bounds.year;
  if (date >= year.from && date <= year.to) return null;
  const rules = rulesOf(p, kind);
  return `${kind} ${id} on ${dateWords(date)} is outside ${p.name}'s year, ${dateWords(year.from)} to ${dateWords(year.to)} (rule academicYear${rules.length ? `, ${seeds(rules)}` : ''})`;
}

function rulesOf(p: Programme, kind: SessionKind): SessionRule[] {
  return p.sessions.filter((r) => r.kind === kind);
}

/**
 * Why the live (not cancelled) sessions break a kind's count, or null. Only
 * the kinds the phase's obligations count (meetings, workshops: see
 * requiredSessions in rules.ts) are counted here; support visits are agreed
 * with each school and may be set apart from the year's meetings.
 */
function countBroken(p: Programme, sessions: readonly Pick<SessionRecord, 'kind' | 'status'>[]): string | null {
  for (const { kind, rules, min, max } of countedKinds(p)) {
    let n = 0;
    let offered = 0;
    for (const s of sessions) {
      if (s.kind !== kind || s.status === 'cancelled') continue;
      n++;
      // A missed session's place may be taken by a catch-up: the cap counts the sessions a school can still attend or has attended.
      if (s.status !== 'missed') offered++;
    }
    const [one, many] = KIND_WORDS[kind];
    if (n < min) return `${p.name} needs at least ${min} ${min === 1 ? one : many}; the schedule would hold ${n} (rule sessions.${kind}.min, ${seeds(rules)})`;
    if (max !== undefined && offered > max) return `${p.name} offers at most ${max} ${max === 1 ? one : many}; the schedule would hold ${offered} (rule sessions.${kind}.max, ${seeds(rules)})`;
  }
  return null;
}

/** The kinds a programme counts (meetings, workshops), each with its rules and their summed min and max (none when a rule sets none). */
interface CountedKind {
  kind: SessionKind;
  rules: SessionRule[];
  min: number;
  max: number | undefined;
}

// Asked for every schedule a replay folds: worked out once per programme (an immutable value).
const counted = new WeakMap<Programme, CountedKind[]>();
function countedKinds(p: Programme): CountedKind[] {
  let out = counted.get(p);
  if (!out) {
    const kinds = [...new Set(p.sessions.map((r) => r.kind))].filter((k) => k === 'meeting' || k === 'workshop');
    out = kinds.map((kind) => {
      const rules = rulesOf(p, kind);
      const min = rules.reduce((n, r) => n + r.min, 0);
      const max = rules.every((r) => r.max !== undefined) ? rules.reduce((n, r) => n + r.max!, 0) : undefined;
      return { kind, rules, min, max };
    });
    counted.set(p, out);
  }
  return out;
}

/** SCHEDULE_SET: the school's sessions after the event (old ones by id replaced) keep the count and window rules. */
export function scheduleKeepsRules(c: PathwayContext, e: EventOf<'SCHEDULE_SET'>): string | null {
  const p = c.programme;
  if (!p) return 'the school has no programme to schedule';
  for (const s of e.sessions) {
    const why = outsideWindow(p, s.kind, s.id, s.at);
    if (why) return why;
  }
  const byId = new Map<string, Pick<SessionRecord, 'kind' | 'status'>>(c.sessions.map((s) => [s.id, s]));
  for (const s of e.sessions) byId.set(s.id, { kind: s.kind, status: 'scheduled' });
  return countBroken(p, [...byId.values()]);
}

/** SESSION_MOVED: the session's new date stays in its kind's months. */
export function moveKeepsRules(c: PathwayContext, e: EventOf<'SESSION_MOVED'>): string | null {
  const p = c.programme;
  const s = c.sessions.find((x) => x.id === e.sessionId);
  if (!p || !s) return null;
  return outsideWindow(p, s.kind, s.id, e.to);
}

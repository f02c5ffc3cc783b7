/**
 * Why a decision on an application was refused, in words: which rule, and
 * what about this school or group broke it. From the engine's refusal
 * (EventRejectedError, whose reason names rule internals) or the service's
 * (RefusedError). Pure.
 */
import { EventRejectedError } from '../../domain/errors.js';
import { statusWords } from '../format.js';
import { criterionLabel, groupLabel } from './words.js';

export interface RefusalContext {
  /** "select", "put on the waiting list"... */
  decision: string;
  school: string;
  /** The status the page showed. */
  status: string;
  eligibility: { atLeast: number; criteria: { id: string; label: string }[] } | null;
  groups: { group: { id: string; phase: string; academicYear: string; lead?: { name: string }; maxSchools: number | null }; places: number }[];
}

function labelOf(groupId: string, ctx: RefusalContext): string {
  const g = ctx.groups.find((x) => x.group.id === groupId)?.group;
  return g ? groupLabel(g) : 'the work group';
}

/** Paragraphs saying which rule refused and why. Pure. */
export function refusalWords(err: Error, ctx: RefusalContext): string[] {
  if (err instanceof EventRejectedError) {
    const why = err.why;
    let m = /^eligibility needs at least (\d+) of: [^;]*; got (.*)$/.exec(why);
    if (m) {
      const got = m[2] === 'none' ? [] : m[2]!.split(', ');
      const known = new Set((ctx.eligibility?.criteria ?? []).map((c) => c.id));
      const met = got.filter((g) => known.has(g));
      return [
        `The eligibility rule: the programme takes a school that meets at least ${m[1]} of its eligibility criteria.`,
        met.length === 0 ? `No criterion was ticked for ${ctx.school}, so it cannot be judged eligible. Tick the criteria it meets, or judge it not eligible.` : `Only ${met.map((id) => `“${criterionLabel(id, ctx.eligibility?.criteria)}”`).join(', ')} ${met.length === 1 ? 'was' : 'were'} ticked.`,
      ];
    }
    m = /^work group (\S+) would have (\d+) schools; .* allows up to (\d+)$/.exec(why);
    if (m) return [`The group size rule: a work group of this programme has at most ${m[3]} schools.`, `${labelOf(m[1]!, ctx)} is full, so ${ctx.school} cannot join it. Choose another group, or put the school on the waiting list.`];
    if (/ is not accepted now/.test(why)) {
      const now = err.status;
      return [`Decisions on an application come in order: assess eligibility, then select, waitlist or decline.`, `${ctx.school} is now “${statusWords(now).toLowerCase()}”, so you cannot ${ctx.decision} it at this point.`];
    }
    return [`The programme’s rules refused this: ${why.replace(/\b[A-Z][A-Z_]{3,}\b/g, 'this decision')}.`];
  }
  const msg = err.message;
  let m = /^work group (\S+) is full: (\d+) of (\d+) schools/.exec(msg);
  if (m) return [`The group size rule: a work group of this programme has at most ${m[3]} schools.`, `${labelOf(m[1]!, ctx)} is full: ${m[2]} of ${m[3]} places are taken. Choose another group, or put the school on the waiting list.`];
  m = /^school \S+ already has a place in work group (\S+)/.exec(msg);
  if (m) return ['A school has one place in one work group of a programme.', `${ctx.school} already has a place in ${labelOf(m[1]!, ctx)}.`];
  if (/^work group \S+ is for /.test(msg)) return ['A school joins a work group of the programme it applied for.', `The group chosen is for another programme.`];
  if (/^work group \S+ belongs to hub /.test(msg)) return ['A school joins a work group of its own Maths Hub.', 'The group chosen belongs to another hub.'];
  if (/^no work group of /.test(msg)) return ['There is no work group of this programme with a place left.', 'Create a work group on the Work groups page, then select the school again.'];
  return [`${msg.charAt(0).toUpperCase()}${msg.slice(1)}.`];
}

/**
 * Which forms of the school page's "Action plan and leader" section to offer,
 * asked of the machine itself: each form's event is tried on the school's
 * state with stand-in answers (whyRejected, as selectApplication asks before
 * it reserves a place). A form the rules would refuse whatever is typed is
 * not offered; the page gives the machine's own reason in words instead
 * ("… allocate one first"), so the hub never fills in a form only to lose it
 * to a refusal. No rule is written out here. Pure.
 */
import { BIG_IDEAS, leaderRoleFor, type PlanAims } from '../domain/people.js';
import { acceptedEventTypes, parseEvent, whyRejected, type PersistedPathway } from '../machines/decide.js';
import type { PathwayEventInput } from '../machines/events.js';
import { refusalSentence } from './school-words.js';

/** A form offered, or not: `why` is the rules' reason in words, or null when there is nothing to explain (the state takes no such event, or the page shows it done). */
export type Offer = { offered: true } | { offered: false; why: string | null };

export interface PlanOffers {
  allocate: Offer;
  create: Offer;
  review: Offer;
  judge: Offer;
  /** Why "Yes, Mastery Ready" would be refused when "Not yet" would not (the school has no action plan), in words; else null. */
  readyNeeds: string | null;
  /** The sessions the plan may be reviewed at now (ids), for the review form. */
  reviewSessions: string[];
}

/** What the section may offer on the school's state `snapshot` at `at` (an instant: now). Pure. */
export function planOffers(snapshot: PersistedPathway, at: string): PlanOffers {
  const c = snapshot.context;
  const accepted = new Set(acceptedEventTypes(snapshot));
  const why = (e: PathwayEventInput) => whyRejected(snapshot, parseEvent(e));
  const offer = (type: string, e: PathwayEventInput): Offer => {
    if (!accepted.has(type)) return { offered: false, why: null };
    const no = why(e);
    return no === null ? { offered: true } : { offered: false, why: refusalSentence(no) };
  };
  const role = leaderRoleFor(c.programme?.phase ?? 'development');

  // A stand-in leader of the role the phase needs: who is chosen, and their load, are the form's to say.
  const allocate = offer('LEADER_ALLOCATED', { type: 'LEADER_ALLOCATED', at, leader: { id: 'someone-of-the-hub', name: 'someone of the hub', role }, load: 1 });
  // A plan already made is on the page, with its reviews: "already has one" would only repeat it.
  const create = c.actionPlan ? { offered: false as const, why: null } : offer('ACTION_PLAN_CREATED', { type: 'ACTION_PLAN_CREATED', at, aims: Object.fromEntries(BIG_IDEAS.map((k) => [k, 'to be written'])) as PlanAims });
  // With no plan the create form (or its reason) says what comes first; with one, each session is asked whether the plan can be reviewed at it.
  const reviewSessions = c.actionPlan && accepted.has('ACTION_PLAN_REVIEWED')
    ? c.sessions.filter((s) => why({ type: 'ACTION_PLAN_REVIEWED', at, sessionId: s.id, progress: { [BIG_IDEAS[0]]: 'developing' } }) === null).map((s) => s.id)
    : [];
  const review: Offer = c.actionPlan && accepted.has('ACTION_PLAN_REVIEWED') ? { offered: true } : { offered: false, why: null };
  // "Not yet" is the answer the rules refuse least: if even it is refused, the judgement's time has not come.
  const judge = offer('MASTERY_READY_JUDGED', { type: 'MASTERY_READY_JUDGED', at, ready: false });
  const ready = judge.offered ? why({ type: 'MASTERY_READY_JUDGED', at, ready: true }) : null;
  return { allocate, create, review, judge, readyNeeds: ready === null ? null : refusalSentence(ready), reviewSessions };
}

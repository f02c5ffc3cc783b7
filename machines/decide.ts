/**
 * The seam between rules and effects: take a school's persisted snapshot and
 * an event, return the next snapshot and the effects as data. Both hosts
 * (embedded and Temporal) and replay call only these functions.
 * Pure: the fast fold of fast.ts (the machine's own chart, guards and steps,
 * proved equal to XState's `transition()`), XState's public API for the
 * initial state and for explaining a refusal; no actor, no clock.
 */
import { getStateNodes, initialTransition, type AnyStateNode } from 'xstate';
import { deepFreeze } from '../domain/deep-freeze.js';
import { EventRejectedError } from '../domain/errors.js';
import { parseOrThrow } from '../domain/errors.js';
import type { PathwayContext } from './context.js';
import type { Effect } from './effects.js';
import { PathwayEvent, type PathwayEventInput } from './events.js';
import { fastTransition } from './fast.js';
import type { Fresh } from './steps.js';
import { MACHINE_VERSION, pathwayMachine } from './pathway.js';
import { RULES_FOR_EVENT, rules } from './rules.js';
import { backdated } from './backdating.js';
import { summarize, type SchoolSummary } from './summary.js';

/** The JSON form of a school's state: `{ value, context }` plus XState's status fields. */
export interface PersistedPathway {
  value: unknown;
  context: PathwayContext;
  status?: string;
  [k: string]: unknown;
}

export interface Decision {
  snapshot: PersistedPathway;
  effects: Effect[];
  summary: SchoolSummary;
  machineVersion: string;
}

type Snapshot = ReturnType<typeof pathwayMachine.resolveState>;

function persist(s: Snapshot): PersistedPathway {
  return pathwayMachine.getPersistedSnapshot(s) as unknown as PersistedPathway;
}

/**
 * A state as XState's getPersistedSnapshot() writes it for this machine (no
 * children, no history states, always active), built from the fast fold's
 * value and context without restoring a machine snapshot. The equality
 * tests (test/machines-fast.test.ts) compare it with getPersistedSnapshot().
 */
function persistedState(value: unknown, context: PathwayContext): PersistedPathway {
  return { status: 'active', output: undefined, error: undefined, value, historyValue: {}, context, children: {} };
}

/** Restore a persisted snapshot (from JSON) to a machine snapshot. Pure. */
export function restore(persisted: PersistedPathway): Snapshot {
  return pathwayMachine.resolveState({ value: persisted.value as any, context: persisted.context });
}

/**
 * The state of a school with no events yet. Pure.
 * The urn is its only input, so XState's initial state is made once and
 * copied with each school's urn: a replay starts thousands of streams, and
 * an actor per stream cost a tenth of the fold. The parts shared between
 * schools are frozen, so code that changed one school's state in place would
 * throw rather than change every school's (the fold only replaces them).
 */
export function initialState(urn: string): PersistedPathway {
  const template = (initialTemplate ??= deepFreeze(persist(initialTransition(pathwayMachine, { urn: '' })[0])));
  return { ...template, context: { ...template.context, urn } };
}
let initialTemplate: PersistedPathway | undefined;

/** Validate an event's shape (zod), filling defaults; throws ValidationError naming each field. Pure. */
export function parseEvent(input: PathwayEventInput | unknown): PathwayEvent {
  return parseOrThrow(PathwayEvent, input, 'event');
}

/** The event types the school's current state accepts (guards not checked), from its active state nodes. Pure. */
export function acceptedEventTypes(persisted: PersistedPathway): string[] {
  const nodes = new Set<AnyStateNode>(getStateNodes(pathwayMachine.root, persisted.value as any) as AnyStateNode[]);
  return [...new Set([...nodes].flatMap((n) => n.ownEvents as string[]))].filter((t) => !t.startsWith('xstate.') && t !== '*');
}

/**
 * Why the state refuses the event, or null when it accepts it. Pure.
 * Names the rule broken (from rules.ts) or the events the state does accept,
 * led by the rule that keeps the school out of a state that would take it.
 */
export function whyRejected(persisted: PersistedPathway, event: PathwayEvent): string | null {
  return backdated(persisted.context, event) ?? whyNotTaken(persisted, event);
}

/** Why the state's transitions do not take the event (the date aside), or null when they do. Pure. */
function whyNotTaken(persisted: PersistedPathway, event: PathwayEvent): string | null {
  const s = restore(persisted);
  if (s.can(event)) return null;
  const accepted = acceptedEventTypes(persisted);
  if (accepted.includes(event.type)) {
    for (const name of RULES_FOR_EVENT[event.type] ?? []) {
      const why = (rules[name] as (c: PathwayContext, e: PathwayEvent) => string | null)(s.context, event);
      if (why) return why;
    }
    return `the rules for ${event.type} do not allow it now`;
  }
  const notNow = `${event.type} is not accepted now; accepted: ${accepted.filter((t) => !TIMER_ONLY.has(t)).join(', ') || 'nothing'}`;
  const gate = gateRule(s, event);
  return gate ? `${gate}. ${notNow}` : notNow;
}

/**
 * The rule that keeps the school out of a state that would take the event:
 * the guard of an eventless transition (running -> evaluating once the
 * meetings are held) whose target accepts it. Pure.
 */
function gateRule(s: Snapshot, event: PathwayEvent): string | null {
  for (const node of getStateNodes(pathwayMachine.root, s.value)) {
    for (const t of node.always ?? []) {
      const guard = typeof t.guard === 'string' ? t.guard : (t.guard as { type?: string } | undefined)?.type;
      const rule = guard ? (rules as Record<string, (c: PathwayContext, e: PathwayEvent) => string | null>)[guard] : undefined;
      if (rule && (t.target ?? []).some((n) => n.events.includes(event.type))) {
        const why = rule(s.context, event);
        if (why) return why;
      }
    }
  }
  return null;
}

const TIMER_ONLY = new Set(['REMINDER_DUE', 'SESSION_CHECK_DUE', 'EVALUATION_REMINDER_DUE', 'YEAR_ENDED']);

/** A short label of the state for messages: "development/selected". Pure. */
export function stateLabel(persisted: PersistedPathway): string {
  const { phase, status } = summarize(persisted.value, persisted.context);
  return phase === 'none' ? status : `${phase}/${status}`;
}

/**
 * Decide one event: the next snapshot and the effects to carry out.
 * Throws EventRejectedError (with the reason) when the state does not accept it.
 * Pure and deterministic: the same snapshot and event give the same decision.
 */
export function decide(persisted: PersistedPathway, event: PathwayEvent): Decision {
  const late = backdated(persisted.context, event);
  if (late) throw new EventRejectedError(persisted.context.urn, event.type, stateLabel(persisted), late);
  const next = fastTransition(persisted.value, persisted.context, event);
  if (!next) {
    const why = whyNotTaken(persisted, event) ?? `the rules for ${event.type} do not allow it now`;
    throw new EventRejectedError(persisted.context.urn, event.type, stateLabel(persisted), why);
  }
  const snapshot = persistedState(next.value, next.context);
  return { snapshot, effects: next.effects, summary: summarize(snapshot.value, snapshot.context), machineVersion: MACHINE_VERSION };
}

/**
 * Fold events from a state (replay), by the fast fold. Rejected events
 * throw: a stored history must replay. The back-dating rule is not applied:
 * a history is replayed as it was recorded (histories the engine writes
 * obey it). Pure.
 */
export function fold(urn: string, events: Iterable<PathwayEvent>, from: PersistedPathway = initialState(urn)): PersistedPathway {
  let value = from.value;
  let context = from.context;
  let owned = false;
  const fresh: Fresh = new WeakSet();
  // Only the state is kept: the steps skip building effects. After the first event changes it, the context is
  // this fold's own copy, which nobody else sees until the fold returns: later events fill it in place, and
  // change in place the timer tables earlier events made.
  const before = { effects: false, ownsContext: false, fresh };
  const after = { effects: false, ownsContext: true, fresh };
  for (const e of events) {
    const next = fastTransition(value, context, e, owned ? after : before);
    if (!next) {
      const here = persistedState(value, context);
      throw new EventRejectedError(context.urn, e.type, stateLabel(here), whyNotTaken(here, e) ?? `the rules for ${e.type} do not allow it now`);
    }
    owned ||= next.context !== context;
    value = next.value;
    context = next.context;
  }
  return persistedState(value, context);
}

/** The summary of a persisted snapshot. Pure. */
export function summaryOf(persisted: PersistedPathway): SchoolSummary {
  return summarize(persisted.value, persisted.context);
}

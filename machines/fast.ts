/**
 * The fast fold: one event applied to a persisted snapshot by reading the
 * pathway machine's own chart (its state nodes, transitions, guards and
 * actions, through XState's public StateNode API) and running the guards
 * and steps of setup.ts's GUARDS and STEPS tables, the same functions the
 * XState machine runs. Nothing of the rules is written here: this module
 * only follows the chart as XState does, for the features the chart uses
 * (compound states, guarded and eventless transitions, entry/exit actions,
 * reentry), and refuses at load a chart with any other feature (parallel or
 * history states, delays, invocations, wildcard events, an action or guard
 * not in the tables).
 *
 * Why: XState's public `transition()` builds a throwaway actor for every
 * call, which costs more than the transition itself; a replay folds
 * millions of events. test/machines-fast.test.ts proves this fold equal to
 * XState's `transition()` on every reachable path of the model walk and on
 * 10,000 random event sequences. Pure.
 */
import type { AnyStateNode, AnyTransitionDefinition } from 'xstate';
import type { PathwayContext } from './context.js';
import type { Effect } from './effects.js';
import type { PathwayEvent } from './events.js';
import { pathwayMachine } from './pathway.js';
import { EFFECT_ACTION_TYPES, GUARDS, STEPS, type GuardFn, type StepFn } from './setup.js';
import type { Fresh } from './steps.js';

type Ctx = PathwayContext;

/** A named action or guard as the chart holds it: "name" or { type, params }. */
type Named = string | { type: string; params?: unknown };

function nameOf(x: Named): { type: string; params: unknown } {
  return typeof x === 'string' ? { type: x, params: undefined } : { type: x.type, params: x.params };
}

function fail(why: string): never {
  throw new Error(`machines/fast.ts cannot follow the pathway chart: ${why}; extend the fast fold (and its equality tests) or drop it`);
}

/** Every state node under `node`, itself included. */
function allNodes(node: AnyStateNode): AnyStateNode[] {
  return [node, ...Object.values(node.states as Record<string, AnyStateNode>).flatMap(allNodes)];
}

/** Checks at load that the chart uses only what this fold follows. */
function checkChart(root: AnyStateNode): void {
  for (const n of allNodes(root)) {
    if (n.type !== 'atomic' && n.type !== 'compound') fail(`state ${n.id} is ${n.type}`);
    if (n.invoke.length > 0) fail(`state ${n.id} invokes actors`);
    if (n.after.length > 0) fail(`state ${n.id} has delayed transitions`);
    const transitions = [...[...n.transitions.values()].flat(), ...(n.always ?? []), ...(n.initial ? [n.initial] : [])] as AnyTransitionDefinition[];
    for (const [type] of n.transitions) if (type.includes('*')) fail(`state ${n.id} has the wildcard event ${type}`);
    for (const t of transitions) {
      for (const a of t.actions as Named[]) checkAction(a, n.id);
      if (t.guard !== undefined) {
        if (typeof t.guard === 'function') fail(`a guard of ${n.id} is an inline function`);
        if (!(nameOf(t.guard as Named).type in GUARDS)) fail(`guard ${nameOf(t.guard as Named).type} of ${n.id} is not in GUARDS`);
      }
      if ((t.target?.length ?? 0) > 1) fail(`a transition of ${n.id} has several targets`);
      const target = t.target?.[0] as AnyStateNode | undefined;
      if (target && t !== n.initial && (target === t.source || isDescendant(target, t.source as AnyStateNode))) {
        fail(`a transition of ${n.id} enters its own source or a state inside it`);
      }
    }
    for (const a of [...n.entry, ...n.exit] as Named[]) checkAction(a, n.id);
  }
}

function checkAction(a: Named, where: string): void {
  if (typeof a === 'function') fail(`an action of ${where} is an inline function`);
  if (!(nameOf(a).type in STEPS)) fail(`action ${nameOf(a).type} of ${where} is not in STEPS`);
}

const root = pathwayMachine.root as AnyStateNode;
checkChart(root);

/** The atomic state node of a state value such as { development: { active: 'running' } }. */
const leaves = new Map<string, AnyStateNode>();
// The values this fold hands out (valueOf) come back on the next event: known by identity, without JSON.stringify.
const leavesByValue = new WeakMap<object, AnyStateNode>();
function leafOf(value: unknown): AnyStateNode {
  if (value !== null && typeof value === 'object') {
    const known = leavesByValue.get(value);
    if (known) return known;
  }
  const key = typeof value === 'string' ? value : JSON.stringify(value);
  let leaf = leaves.get(key);
  if (!leaf) {
    let node = root;
    let v: unknown = value;
    while (v !== null && typeof v === 'object') {
      const [k, inner] = Object.entries(v as Record<string, unknown>)[0] ?? fail(`empty state value ${key}`);
      node = (node.states as Record<string, AnyStateNode>)[k] ?? fail(`no state ${k} in ${node.id}`);
      v = inner;
    }
    node = (node.states as Record<string, AnyStateNode>)[v as string] ?? fail(`no state ${String(v)} in ${node.id}`);
    // A compound value names its active child; descend initial states to the atomic one.
    while (node.type === 'compound') node = node.initial.target[0] as AnyStateNode;
    leaves.set(key, (leaf = node));
  }
  if (value !== null && typeof value === 'object' && values.get(leaf) === value) leavesByValue.set(value, leaf);
  return leaf;
}

/** The state value of an atomic node: its path from the root as nested objects. */
const values = new Map<AnyStateNode, unknown>();
function valueOf(leaf: AnyStateNode): unknown {
  let v = values.get(leaf);
  if (v === undefined) {
    const path = leaf.path as string[];
    v = path[path.length - 1];
    for (let i = path.length - 2; i >= 0; i--) v = { [path[i]!]: v };
    values.set(leaf, v);
  }
  return v;
}

function ancestors(node: AnyStateNode): AnyStateNode[] {
  const out: AnyStateNode[] = [];
  for (let p = node.parent as AnyStateNode | undefined; p; p = p.parent as AnyStateNode | undefined) out.push(p);
  return out;
}

function isDescendant(child: AnyStateNode, parent: AnyStateNode): boolean {
  for (let p = child.parent as AnyStateNode | undefined; p; p = p.parent as AnyStateNode | undefined) if (p === parent) return true;
  return false;
}

/** A named guard or action bound to its function in GUARDS or STEPS, with its params. */
interface Bound<F> {
  fn: F;
  params: unknown;
}

function bindGuard(t: AnyTransitionDefinition): Bound<GuardFn> | null {
  if (t.guard === undefined) return null;
  const { type, params } = nameOf(t.guard as Named);
  return { fn: GUARDS[type as keyof typeof GUARDS] as GuardFn, params };
}

function bindActions(actions: readonly Named[]): Bound<StepFn>[] {
  return actions.map((a) => {
    const { type, params } = nameOf(a);
    return { fn: STEPS[type as keyof typeof STEPS] as StepFn, params };
  });
}

/** A transition that may be taken, with its guard bound. */
interface Candidate {
  t: AnyTransitionDefinition;
  guard: Bound<GuardFn> | null;
}

function candidate(t: AnyTransitionDefinition): Candidate {
  return { t, guard: bindGuard(t) };
}

// What the chart says for a leaf is looked up once and kept: the candidates for an event type from the leaf up,
// its eventless transitions, and each transition's microstep from it. Every replayed event asks again.
const byEvent = new Map<AnyStateNode, Map<string, Candidate[]>>();
const eventless = new Map<AnyStateNode, Candidate[]>();

/** The transitions for `type` from the leaf up, in the order XState tries them (leaf first, document order). */
function candidatesFor(leaf: AnyStateNode, type: string): Candidate[] {
  let forLeaf = byEvent.get(leaf);
  if (!forLeaf) byEvent.set(leaf, (forLeaf = new Map()));
  let list = forLeaf.get(type);
  if (!list) {
    list = [];
    for (let n: AnyStateNode | undefined = leaf; n; n = n.parent as AnyStateNode | undefined) {
      for (const t of (n.transitions.get(type) ?? []) as AnyTransitionDefinition[]) list.push(candidate(t));
    }
    forLeaf.set(type, list);
  }
  return list;
}

function eventlessFor(leaf: AnyStateNode): Candidate[] {
  let list = eventless.get(leaf);
  if (!list) {
    list = [];
    for (let n: AnyStateNode | undefined = leaf; n; n = n.parent as AnyStateNode | undefined) {
      for (const t of (n.always ?? []) as AnyTransitionDefinition[]) list.push(candidate(t));
    }
    eventless.set(leaf, list);
  }
  return list;
}

/** The first candidate whose guard passes, as XState selects it; null when none. */
function firstEnabled(list: readonly Candidate[], c: Ctx, e: PathwayEvent): AnyTransitionDefinition | null {
  for (const x of list) if (x.guard === null || x.guard.fn(c, e, x.guard.params)) return x.t;
  return null;
}

interface Run {
  leaf: AnyStateNode;
  context: Ctx;
  /** Whether `context` is this run's own copy (made at its first patch), which later patches may fill in place. */
  owned: boolean;
  /** null when the caller drops the effects (a replay): the steps run quiet. */
  effects: Effect[] | null;
  /** The timer tables the caller's fold made (steps.ts's Fresh), or none. */
  fresh: Fresh;
}

function act(run: Run, steps: readonly Bound<StepFn>[], e: PathwayEvent): void {
  for (const step of steps) {
    const { patch, effects } = step.fn(run.context, e, step.params, run.effects === null, run.fresh);
    // The caller's context is never changed: the first patch copies it, later ones of the same event fill
    // that copy (nobody else holds it yet), as XState's assign would give but without a copy per action.
    let patched = false;
    for (const _ in patch) {
      patched = true;
      break;
    }
    if (patched) {
      if (run.owned) Object.assign(run.context, patch);
      else {
        run.context = { ...run.context, ...patch };
        run.owned = true;
      }
    }
    if (run.effects) for (const f of effects) if (EFFECT_ACTION_TYPES.has(f.type)) run.effects.push(f);
  }
}

/** The transition's domain as XState computes it: the source for an internal move inside it, else the least common compound ancestor. */
function domainOf(t: AnyTransitionDefinition, target: AnyStateNode): AnyStateNode {
  const source = t.source as AnyStateNode;
  if (!t.reenter && (target === source || isDescendant(target, source))) return source;
  for (const a of ancestors(target)) if (isDescendant(source, a)) return a;
  return root;
}

/** One microstep from a leaf: every action it runs, in order, and the leaf it ends in. */
interface Microstep {
  steps: Bound<StepFn>[];
  leaf: AnyStateNode;
}

const microsteps = new Map<AnyTransitionDefinition, Map<AnyStateNode, Microstep>>();

/** Exit to the domain, the transition's actions, enter down to the target and its initial states. */
function microstep(leaf: AnyStateNode, t: AnyTransitionDefinition): Microstep {
  let fromLeaf = microsteps.get(t);
  if (!fromLeaf) microsteps.set(t, (fromLeaf = new Map()));
  let m = fromLeaf.get(leaf);
  if (m) return m;
  const target = t.target?.[0] as AnyStateNode | undefined;
  if (!target) {
    m = { steps: bindActions(t.actions as Named[]), leaf };
  } else {
    const domain = domainOf(t, target);
    const named: Named[] = [];
    const exited = [leaf, ...ancestors(leaf)].filter((n) => n !== domain && isDescendant(n, domain));
    for (const n of exited) named.push(...(n.exit as Named[]));
    named.push(...(t.actions as Named[]));
    const entered = [target, ...ancestors(target)].filter((n) => n !== domain && isDescendant(n, domain)).reverse();
    let node = target;
    while (node.type === 'compound') {
      named.push(...(node.initial.actions as Named[]));
      node = node.initial.target[0] as AnyStateNode;
      entered.push(node);
    }
    for (const n of entered) named.push(...(n.entry as Named[]));
    m = { steps: bindActions(named), leaf: node };
  }
  fromLeaf.set(leaf, m);
  return m;
}

function take(run: Run, t: AnyTransitionDefinition, e: PathwayEvent): void {
  const m = microstep(run.leaf, t);
  act(run, m.steps, e);
  run.leaf = m.leaf;
}

/** The effects of a transition whose caller drops them: one empty list, never added to. */
const NO_EFFECTS: Effect[] = Object.freeze([]) as unknown as Effect[];

export interface FastStep {
  value: unknown;
  context: Ctx;
  effects: Effect[];
}

/**
 * The next state value, context and effects of `event` from (value,
 * context), as XState's `transition()` gives them; null when no transition
 * of the state takes the event (XState's `can()` is false). With
 * `{ effects: false }` (a replay, which keeps only the state) the effects
 * come back empty and are not built. With `{ ownsContext: true }` the caller
 * hands `context` over as a copy nobody else holds (a fold's, after its
 * first event): the steps' patches fill it in place instead of copying it
 * for every event; its nested values are still only replaced, never changed,
 * except the timer tables in `fresh`, which the same caller's steps made
 * (steps.ts's Fresh). Pure (it changes no object the caller still shares).
 */
export function fastTransition(value: unknown, context: Ctx, event: PathwayEvent, options: { effects?: boolean; ownsContext?: boolean; fresh?: Fresh } = {}): FastStep | null {
  const leaf = leafOf(value);
  const t = firstEnabled(candidatesFor(leaf, event.type), context, event);
  // As XState's can(): a transition that neither moves nor acts takes nothing.
  if (!t || (!t.target?.length && t.actions.length === 0)) return null;
  const run: Run = { leaf, context, owned: options.ownsContext === true, effects: options.effects === false ? null : [], fresh: options.fresh };
  take(run, t, event);
  // Eventless transitions, until the state is at rest.
  for (let i = 0; i < 100; i++) {
    const always = firstEnabled(eventlessFor(run.leaf), run.context, event);
    if (!always) return { value: valueOf(run.leaf), context: run.context, effects: run.effects ?? NO_EFFECTS };
    take(run, always, event);
  }
  return fail('eventless transitions did not come to rest after 100 microsteps');
}

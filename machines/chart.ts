/**
 * Charts of the pathway machines for people: a Mermaid `stateDiagram-v2`, a
 * Graphviz DOT graph, and SVG rendered from the DOT.
 *
 * The chart is read from the machine definition itself (state nodes and their
 * transition definitions), so it cannot drift from the rules: every state is
 * drawn, nested states as composites (Mermaid) or clusters (DOT), and every
 * transition as an edge labelled `EVENT [guard]`. A transition with no target
 * (an event handled in place, such as attendance while active) is drawn as a
 * loop on the state that handles it; eventless transitions are labelled with
 * their guard only.
 *
 * toMermaid, toDot and chartOf are pure. toSvg is deterministic but not pure:
 * it loads Graphviz compiled to WebAssembly (bundled in @hpcc-js/wasm-graphviz;
 * nothing is downloaded).
 */
import type { AnyStateMachine, AnyStateNode, AnyTransitionDefinition } from 'xstate';
import { ROUTES } from './rules.js';

/** A state of the chart: its id (safe in Mermaid and DOT), its name, and its children. */
export interface ChartState {
  id: string;
  name: string;
  kind: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** The id of the child entered first, for a compound state. */
  initial: string | null;
  children: ChartState[];
}

/** A transition of the chart: one edge per target, labelled `EVENT [guard]`. */
export interface ChartEdge {
  source: string;
  target: string;
  label: string;
  /** The id of the innermost state that contains both ends (null: the top of the chart). */
  container: string | null;
}

export interface Chart {
  id: string;
  description: string | null;
  root: ChartState;
  edges: ChartEdge[];
}

/** "pathway.trg.active.running" -> "trg_active_running": letters, digits and underscores only. */
function safeId(raw: string): string {
  const s = raw.replace(/[^A-Za-z0-9_]/g, '_');
  return /^[A-Za-z]/.test(s) ? s : `s_${s}`;
}

/** The guard of a transition as text: `eligibilityMet`, or `canApply(trg)` for a guard with parameters. */
function guardText(guard: unknown): string | null {
  if (guard == null) return null;
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'function') return guard.name || 'guard';
  const g = guard as { type?: unknown; params?: unknown };
  const type = typeof g.type === 'string' ? g.type : 'guard';
  const params = g.params && typeof g.params === 'object' ? Object.values(g.params as Record<string, unknown>).map(String) : [];
  return params.length ? `${type}(${params.join(', ')})` : type;
}

function transitionLabel(t: AnyTransitionDefinition): string {
  const guard = guardText(t.guard);
  if (t.eventType === '') return guard ? `[${guard}]` : 'always';
  return guard ? `${t.eventType} [${guard}]` : t.eventType;
}

/** The chart of a machine as data: its nested states and its transitions, each edge once. Pure. */
export function chartOf(machine: AnyStateMachine): Chart {
  const ids = new Map<AnyStateNode, string>();
  const used = new Set<string>();
  const idOf = (node: AnyStateNode): string => {
    let id = ids.get(node);
    if (id) return id;
    const base = safeId(node === machine.root ? machine.id : node.path.join('_'));
    id = base;
    for (let n = 2; used.has(id); n++) id = `${base}_${n}`;
    used.add(id);
    ids.set(node, id);
    return id;
  };

  const walk = (node: AnyStateNode): ChartState => {
    const children = Object.values(node.states).map(walk);
    const initial = node.type === 'compound' ? (node.initial.target[0] ? idOf(node.initial.target[0]) : null) : null;
    return { id: idOf(node), name: node === machine.root ? machine.id : node.key, kind: node.type, initial, children };
  };
  const root = walk(machine.root);

  const edges: ChartEdge[] = [];
  const seen = new Set<string>();
  const visit = (node: AnyStateNode) => {
    const transitions = [...[...node.transitions.values()].flat(), ...(node.always ?? [])];
    for (const t of transitions) {
      for (const target of t.target?.length ? t.target : [node]) {
        const edge = { source: idOf(node), target: idOf(target), label: transitionLabel(t), container: container(node, target) };
        const key = `${edge.source}\u0000${edge.target}\u0000${edge.label}`;
        if (seen.has(key)) continue;
        seen.add(key);
        edges.push(edge);
      }
    }
    for (const child of Object.values(node.states)) visit(child);
  };
  // The innermost state that holds both ends; an edge at a composite itself belongs to the composite's parent.
  const container = (a: AnyStateNode, b: AnyStateNode): string | null => {
    const ancestors = (n: AnyStateNode) => {
      const out: AnyStateNode[] = [];
      for (let p: AnyStateNode | undefined = n; p; p = p.parent) out.push(p);
      return out;
    };
    const bs = new Set(ancestors(b));
    let lca = ancestors(a).find((n) => bs.has(n));
    if (lca === a || lca === b) lca = lca?.parent;
    return lca ? idOf(lca) : null;
  };
  visit(machine.root);

  const description = (machine.root.description ?? machine.config.description ?? null) as string | null;
  return { id: machine.id, description, root, edges };
}

/** Text safe on one Mermaid line: no line breaks, statement separators or entity markers. */
function mermaidText(s: string): string {
  return s.replace(/[\r\n;#:"]+/g, ' ').replace(/\s+/g, ' ').trim();
}

/** A Mermaid `stateDiagram-v2` of a machine: composites for nested states, `[*] -->` for initial states. Pure. */
export function toMermaid(machine: AnyStateMachine): string {
  const chart = chartOf(machine);
  const lines = ['stateDiagram-v2'];
  if (chart.description) lines.push(`  %% ${mermaidText(chart.description)}`);
  const edgesIn = (container: string | null) =>
    chart.edges.filter((e) => e.container === container).map((e) => `${e.source} --> ${e.target} : ${mermaidText(e.label)}`);
  const emit = (s: ChartState, depth: number) => {
    const pad = '  '.repeat(depth);
    if (s.children.length === 0) {
      lines.push(`${pad}state "${mermaidText(s.name)}" as ${s.id}`);
      if (s.kind === 'final') lines.push(`${pad}${s.id} --> [*]`);
      return;
    }
    lines.push(`${pad}state "${mermaidText(s.name)}" as ${s.id} {`);
    if (s.initial) lines.push(`${pad}  [*] --> ${s.initial}`);
    for (const child of s.children) emit(child, depth + 1);
    for (const line of edgesIn(s.id)) lines.push(`${pad}  ${line}`);
    lines.push(`${pad}}`);
  };
  lines.push(`  [*] --> ${chart.root.id}`);
  emit(chart.root, 1);
  for (const line of edgesIn(null)) lines.push(`  ${line}`);
  return `${lines.join('\n')}\n`;
}

/** A DOT string literal. */
function dotText(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\r?\n/g, '\\n')}"`;
}

/**
 * A Graphviz DOT graph of a machine: a cluster for each compound state (with a
 * small node standing for the compound itself, where its own transitions
 * start and end), a point for each initial state. Pure.
 */
export function toDot(machine: AnyStateMachine): string {
  const chart = chartOf(machine);
  const lines = [
    `digraph ${dotText(chart.id)} {`,
    `  graph [compound=true, rankdir=LR, fontname="Helvetica", fontsize=11, labelloc=t, label=${dotText(chart.description ? `${chart.id}: ${chart.description}` : chart.id)}];`,
    '  node [shape=box, style=rounded, fontname="Helvetica", fontsize=10];',
    '  edge [fontname="Helvetica", fontsize=8];',
  ];
  const emit = (s: ChartState, depth: number) => {
    const pad = '  '.repeat(depth);
    if (s.children.length === 0) {
      lines.push(`${pad}${dotText(s.id)} [label=${dotText(s.name)}${s.kind === 'final' ? ', peripheries=2' : ''}];`);
      return;
    }
    lines.push(`${pad}subgraph ${dotText(`cluster_${s.id}`)} {`);
    lines.push(`${pad}  label=${dotText(s.name)}; style=rounded;`);
    lines.push(`${pad}  ${dotText(s.id)} [shape=circle, width=0.15, fixedsize=true, label="", tooltip=${dotText(s.name)}];`);
    if (s.initial) {
      lines.push(`${pad}  ${dotText(`${s.id}__initial`)} [shape=point, width=0.1];`);
      lines.push(`${pad}  ${dotText(`${s.id}__initial`)} -> ${dotText(s.initial)};`);
    }
    for (const child of s.children) emit(child, depth + 1);
    lines.push(`${pad}}`);
  };
  emit(chart.root, 1);
  // One arrow per pair of states, listing its transitions: a state handling ten events in place gets one loop, not ten.
  const pairs = new Map<string, { source: string; target: string; labels: string[] }>();
  for (const e of chart.edges) {
    const key = `${e.source}\u0000${e.target}`;
    const pair = pairs.get(key) ?? { source: e.source, target: e.target, labels: [] };
    pair.labels.push(e.label);
    pairs.set(key, pair);
  }
  for (const p of pairs.values()) lines.push(`  ${dotText(p.source)} -> ${dotText(p.target)} [label=${dotText(p.labels.join('\n'))}];`);
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/**
 * The chart as SVG, laid out by Graphviz (dot) from toDot(). Deterministic;
 * loads the bundled WebAssembly build of Graphviz on first use.
 */
export async function toSvg(machine: AnyStateMachine): Promise<string> {
  const { Graphviz } = await import('@hpcc-js/wasm-graphviz');
  const graphviz = await Graphviz.load();
  return graphviz.dot(toDot(machine), 'svg');
}

// ---------------------------------------------------------------------------
// The whole pathway at phase level: what a hub officer reads.
// ---------------------------------------------------------------------------

/** Names of the pathway's top-level states in words. */
export const PHASE_WORDS: Readonly<Record<string, string>> = {
  prospective: 'Not yet on the pathway',
  trg: 'TRG pilot',
  readiness: 'Readiness',
  development: 'Development',
  embedding: 'Embedding',
  sustaining: 'Sustaining',
};

/** Names of the steps inside a phase in words. */
export const STEP_WORDS: Readonly<Record<string, string>> = {
  prospective: 'not yet applied',
  applied: 'applied',
  eligible: 'eligible',
  waitlisted: 'waitlisted',
  selected: 'selected',
  active: 'active',
  running: 'meetings',
  evaluating: 'evaluation',
  overdue: 'evaluation overdue',
  completed: 'completed',
  declined: 'declined',
  deferred: 'deferred',
  withdrawn: 'withdrawn',
};

/** What each event means, in the words a hub officer uses ('' is a move that happens by itself once its rule holds). */
export const EVENT_WORDS: Readonly<Record<string, string>> = {
  APPLY: 'applies',
  ELIGIBILITY_ASSESSED: 'eligibility assessed',
  SELECTED: 'selected',
  WAITLISTED: 'waitlisted',
  DECLINED: 'declined',
  COMMITMENT_SIGNED: 'commitment signed',
  SCHEDULE_SET: 'meetings scheduled',
  SESSION_MOVED: 'meeting moved',
  SESSION_CANCELLED: 'meeting cancelled',
  ATTENDANCE_RECORDED: 'attendance recorded',
  GAP_TASK_COMPLETED: 'gap task completed',
  RELEASE_DAYS_RECORDED: 'release days recorded',
  EVALUATION_SUBMITTED: 'evaluation submitted',
  ADVANCED: 'moves on',
  WITHDRAWN: 'withdraws',
  DEFERRED: 'defers',
  RESUMED: 'resumes',
  TEACHER_REPLACED: 'teacher replaced',
  REMINDER_DUE: 'reminder due',
  SESSION_CHECK_DUE: 'attendance check due',
  EVALUATION_REMINDER_DUE: 'evaluation reminder due',
  YEAR_ENDED: 'academic year ends',
  '': 'all meetings held',
};

/** Words for a move from a phase back into the same phase (the yearly loop). */
const LOOP_WORDS: Readonly<Record<string, string>> = { ADVANCED: 'starts again\nnext year' };

function words(table: Readonly<Record<string, string>>, key: string, what: string): string {
  const w = table[key];
  if (w === undefined) throw new Error(`the chart has no words for the ${what} ${JSON.stringify(key)}: add them to machines/chart.ts`);
  return w;
}

/** "a", "a or b", "a, b or c". */
function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items.at(-1)}`;
}

/** One transition of the pathway that the phase machines do not have: a move between phases. */
export interface PhaseMove {
  event: string;
  guard: string | null;
  /** Dotted state paths, e.g. "development.completed", "prospective". */
  from: string;
  to: string;
  fromPhase: string;
  toPhase: string;
}

const pathOf = (n: AnyStateNode) => n.path.join('.');

/** A transition as a key relative to `base` (a phase's node, or a phase machine's root): source, event, guard, target. */
function moveKey(base: AnyStateNode, source: AnyStateNode, event: string, guard: string | null, target: AnyStateNode | null): string {
  const inside = (n: AnyStateNode) => n.path.length >= base.path.length && base.path.every((k, i) => n.path[i] === k);
  const rel = (n: AnyStateNode) => (inside(n) ? n.path.slice(base.path.length).join('.') : `#${pathOf(n)}`);
  return [rel(source), event, guard ?? '', target ? rel(target) : '(self)'].join('\u0000');
}

function transitionsOf(node: AnyStateNode): AnyTransitionDefinition[] {
  return [...[...node.transitions.values()].flat(), ...(node.always ?? [])];
}

/**
 * The transitions of the pathway machine that move a school onto the
 * pathway or between phases: every transition with a target that the
 * standalone machine of its phase (the life of one phase) does not have.
 * A root transition with no target (a late timer handled in place) moves
 * nothing and is not one. Pure.
 */
export function phaseMovesOf(pathway: AnyStateMachine, phases: Readonly<Record<string, AnyStateMachine>>): PhaseMove[] {
  const own = new Set<string>();
  for (const [kind, m] of Object.entries(phases)) {
    const walk = (n: AnyStateNode) => {
      for (const t of transitionsOf(n)) for (const target of t.target?.length ? t.target : [null]) own.add(`${kind}\u0000${moveKey(m.root, n, t.eventType, guardText(t.guard), target)}`);
      Object.values(n.states).forEach(walk);
    };
    walk(m.root);
  }
  const moves: PhaseMove[] = [];
  const seen = new Set<string>();
  const visit = (node: AnyStateNode) => {
    const phase = node.path[0];
    const phaseNode = phase && phases[phase] ? pathway.root.states[phase]! : null;
    for (const t of transitionsOf(node)) {
      for (const target of t.target ?? []) {
        if (phaseNode && own.has(`${phase}\u0000${moveKey(phaseNode, node, t.eventType, guardText(t.guard), target)}`)) continue;
        const move: PhaseMove = { event: t.eventType, guard: guardText(t.guard), from: pathOf(node), to: pathOf(target), fromPhase: node.path[0] ?? pathway.id, toPhase: target.path[0] ?? pathway.id };
        const key = JSON.stringify(move);
        if (!seen.has(key)) moves.push(move), seen.add(key);
      }
    }
    Object.values(node.states).forEach(visit);
  };
  visit(pathway.root);
  return moves;
}

/** A box of the phase-level chart: the start, a phase, or a junction standing for a set of moves with one event. */
export interface PhaseNode {
  id: string;
  kind: 'start' | 'phase' | 'junction';
  /** The heading, in words. */
  name: string;
  /** Smaller lines under the heading, in words. */
  lines: string[];
}

/** An arrow of the phase-level chart and the machine transitions it stands for. */
export interface PhaseEdge {
  source: string;
  target: string;
  /** In words; null for an arrow into or out of a junction (the junction's own words say it). */
  label: string | null;
  /** The machine's names for what this arrow draws, e.g. `ADVANCED [canAdvance(embedding)]`. */
  technical: string;
  covers: PhaseMove[];
}

export interface PhaseChart {
  id: string;
  description: string | null;
  /** The order of the phases on each route, in words. */
  routes: string[];
  nodes: PhaseNode[];
  edges: PhaseEdge[];
}

const unique = <T>(xs: readonly T[]) => [...new Set(xs)];
const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/**
 * The pathway at phase level, from the machine: a box per phase listing its
 * steps, and the moves between phases drawn once per pair of phases. Moves
 * of one event that go from every one of a set of states to every one of a
 * set of targets (a school may apply for any application phase from any
 * resting state) are drawn through one junction box instead of as a grid of
 * arrows. Throws if a state or event has no words. Pure.
 */
export function phaseChartOf(pathway: AnyStateMachine, phases: Readonly<Record<string, AnyStateMachine>>): PhaseChart {
  const moves = phaseMovesOf(pathway, phases);
  const nodes: PhaseNode[] = [];
  for (const [key, node] of Object.entries(pathway.root.states)) {
    if (phases[key]) {
      const steps = Object.keys(node.states).map((s) => words(STEP_WORDS, s, 'step'));
      nodes.push({ id: key, kind: 'phase', name: words(PHASE_WORDS, key, 'phase'), lines: steps });
    } else {
      nodes.push({ id: key, kind: 'start', name: words(PHASE_WORDS, key, 'state'), lines: [] });
    }
  }
  const technical = (ms: readonly PhaseMove[]) => unique(ms.map((m) => (m.guard ? `${m.event} [${m.guard}]` : m.event || 'always'))).join(', ');
  const stepOf = (path: string) => words(STEP_WORDS, path.split('.').at(-1)!, 'step');
  const edges: PhaseEdge[] = [];
  for (const event of unique(moves.map((m) => m.event))) {
    const group = moves.filter((m) => m.event === event);
    const from = unique(group.map((m) => m.from));
    const to = unique(group.map((m) => m.to));
    const everyPair = from.length > 1 && to.length > 1 && group.length === from.length * to.length;
    if (everyPair) {
      const j = `junction_${nodes.filter((n) => n.kind === 'junction').length + 1}`;
      const starts = unique(group.filter((m) => !phases[m.fromPhase]).map((m) => m.from));
      const ends = unique(group.filter((m) => phases[m.fromPhase]).map((m) => stepOf(m.from)));
      const when = [...starts.map((s) => `when ${stepOf(s)}`), ...(ends.length ? [`once a phase is ${orList(ends)}`] : [])];
      nodes.push({
        id: j,
        kind: 'junction',
        name: `${capitalise(words(EVENT_WORDS, event, 'event'))} for ${orList(unique(to.map((t) => words(PHASE_WORDS, t.split('.')[0]!, 'phase'))))}`,
        lines: [when.join(', or ')],
      });
      for (const fromPhase of unique(group.map((m) => m.fromPhase))) {
        const covers = group.filter((m) => m.fromPhase === fromPhase);
        edges.push({ source: fromPhase, target: j, label: null, technical: technical(covers), covers });
      }
      for (const toPhase of unique(group.map((m) => m.toPhase))) {
        const covers = group.filter((m) => m.toPhase === toPhase);
        edges.push({ source: j, target: toPhase, label: null, technical: technical(covers), covers });
      }
      continue;
    }
    for (const pair of unique(group.map((m) => `${m.fromPhase}\u0000${m.toPhase}`))) {
      const [source, target] = pair.split('\u0000') as [string, string];
      const covers = group.filter((m) => m.fromPhase === source && m.toPhase === target);
      const label =
        source === target && LOOP_WORDS[event]
          ? LOOP_WORDS[event]!
          : `${words(EVENT_WORDS, event, 'event')}${phases[source] ? `\nonce ${orList(unique(covers.map((m) => stepOf(m.from))))}` : ''}`;
      edges.push({ source, target, label, technical: technical(covers), covers });
    }
  }
  const description = (pathway.root.description ?? pathway.config.description ?? null) as string | null;
  const routes = Object.entries(ROUTES).map(([route, order]) => `${capitalise(route)} schools: ${order.map((p) => words(PHASE_WORDS, p, 'phase')).join(', ')}`);
  return { id: pathway.id, description, routes, nodes, edges };
}

/**
 * The phase-level chart as a Mermaid `stateDiagram-v2`, with the same boxes
 * and arrows as toPhaseDot; the machine's event and guard names are kept as
 * `%%` comments beside each arrow. Pure.
 */
export function toPhaseMermaid(chart: PhaseChart): string {
  const lines = ['stateDiagram-v2'];
  if (chart.description) lines.push(`  %% ${mermaidText(chart.description)}`);
  for (const r of chart.routes) lines.push(`  %% ${mermaidText(r)}`);
  const start = chart.nodes.find((n) => n.kind === 'start');
  if (start) lines.push(`  [*] --> ${start.id}`);
  for (const n of chart.nodes) lines.push(`  state "${mermaidText([n.name, ...n.lines].join(' - '))}" as ${n.id}`);
  for (const e of chart.edges) {
    lines.push(`  %% ${mermaidText(e.technical)}`);
    lines.push(`  ${e.source} --> ${e.target}${e.label ? ` : ${mermaidText(e.label)}` : ''}`);
  }
  return `${lines.join('\n')}\n`;
}

/** A DOT HTML-like label: text escaped for it. */
function htmlText(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/**
 * The phase-level chart as Graphviz DOT, for A4 landscape: the way onto the
 * pathway on top, the phases in one row below in their order, words on every
 * box and arrow. `technical` adds the machine's event and guard names as
 * tooltips (for engineers; never in the picture). Pure.
 */
export function toPhaseDot(chart: PhaseChart, options: { technical?: boolean } = {}): string {
  const font = 'Arial';
  const kind = new Map(chart.nodes.map((n) => [n.id, n.kind]));
  // A junction spans the row of phases, so that every phase reaches it with a short straight line.
  const phaseCount = chart.nodes.filter((n) => n.kind === 'phase').length;
  const lines = [
    `digraph ${dotText(chart.id)} {`,
    `  graph [rankdir=TB, fontname="${font}", fontsize=22, labelloc=t, label=${dotText([chart.description ?? chart.id, ...chart.routes].join('\n'))}, nodesep=0.35, ranksep=0.9, pad=0.3, newrank=true];`,
    `  node [fontname="${font}", fontsize=16, color="#0b0c0c", fontcolor="#0b0c0c", penwidth=1.5];`,
    `  edge [fontname="${font}", fontsize=14, color="#505a5f", fontcolor="#0b0c0c", penwidth=1.5];`,
  ];
  for (const n of chart.nodes) {
    const rows = [`<tr><td align="left"><b>${htmlText(n.name)}</b></td></tr>`, ...n.lines.map((l) => `<tr><td align="left"><font point-size="13" color="#505a5f">${htmlText(l)}</font></td></tr>`)];
    const label = `<<table border="0" cellspacing="0" cellpadding="2">${rows.join('')}</table>>`;
    const shape =
      n.kind === 'phase'
        ? 'shape=box, style="rounded,filled", fillcolor="#f3f2f1", margin="0.12,0.1"'
        : n.kind === 'junction'
          ? `shape=box, style="rounded", color="#1d70b8", penwidth=2, margin="0.12,0.08", width=${(phaseCount * 1.6).toFixed(1)}`
          : 'shape=box, style=rounded, margin="0.12,0.08"';
    lines.push(`  ${dotText(n.id)} [${shape}, label=${label}];`);
  }
  // Phases in one row; the start and the junctions above them (their arrows rank them).
  const row = (k: PhaseNode['kind']) => chart.nodes.filter((n) => n.kind === k).map((n) => dotText(n.id)).join('; ');
  lines.push(`  { rank=same; ${row('phase')}; }`);
  for (const e of chart.edges) {
    const attrs = [`label=${dotText(e.label ?? '')}`];
    const toJunction = kind.get(e.target) === 'junction';
    if (toJunction || kind.get(e.source) === 'junction') attrs.push('color="#1d70b8"');
    // A phase feeding a junction above it: a dashed line up, not an arrow against the reading order.
    if (toJunction && kind.get(e.source) === 'phase') attrs.push('dir=back', 'arrowtail=none', 'style=dashed', 'constraint=false', 'tailport=n');
    if (kind.get(e.source) === 'junction') attrs.push('headport=n');
    if (options.technical) attrs.push(`tooltip=${dotText(e.technical)}`);
    lines.push(`  ${dotText(e.source)} -> ${dotText(e.target)} [${attrs.join(', ')}];`);
  }
  lines.push('}');
  return `${lines.join('\n')}\n`;
}

/** The phase-level chart as SVG laid out by Graphviz, words only. Deterministic; loads WebAssembly Graphviz on first use. */
export async function toPhaseSvg(chart: PhaseChart): Promise<string> {
  const { Graphviz } = await import('@hpcc-js/wasm-graphviz');
  const graphviz = await Graphviz.load();
  return graphviz.dot(toPhaseDot(chart), 'svg');
}

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

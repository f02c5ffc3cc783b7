/**
 * Charts of the machines (machines/chart.ts, machines/school-chart.ts) and the
 * `pathway chart` command: the pathway at phase level (every move between
 * phases drawn, in words, legible on A4 landscape), the school page chart;
 * the Mermaid text declares every state in its composite and draws every
 * transition of the machine once; the DOT has a cluster per compound state;
 * the SVG that Graphviz lays out is well-formed XML with a node per state.
 *
 * The Mermaid checks are structural (the `mermaid` package needs a browser
 * DOM to parse); the output was also checked once with mermaid 11's own
 * stateDiagram parser, outside this suite.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { chartOf, phaseChartOf, phaseMovesOf, toDot, toMermaid, toPhaseDot, toPhaseMermaid, toPhaseSvg, toSvg } from '../machines/chart.js';
import { pathwaySetup } from '../machines/setup.js';
import { schoolPathwayChart } from '../machines/school-chart.js';
import { pathwayMachine } from '../machines/pathway.js';
import { phaseMachines } from '../machines/phase-machines.js';
import { renderChart } from '../cli/commands/chart.js';
import { UsageError } from '../cli/exit.js';

const machines: Record<string, AnyStateMachine> = { pathway: pathwayMachine, ...phaseMachines };

function allNodes(machine: AnyStateMachine): AnyStateNode[] {
  const out: AnyStateNode[] = [];
  const walk = (n: AnyStateNode) => {
    out.push(n);
    Object.values(n.states).forEach(walk);
  };
  walk(machine.root);
  return out;
}

/** The id the chart gives a node: its path joined by underscores (the machine's id for the root). */
const idOf = (machine: AnyStateMachine, n: AnyStateNode) => (n === machine.root ? machine.id : n.path.join('_'));

function guardOf(guard: unknown): string | null {
  if (guard == null) return null;
  if (typeof guard === 'string') return guard;
  const g = guard as { type: string; params?: Record<string, unknown> };
  return g.params ? `${g.type}(${Object.values(g.params).join(', ')})` : g.type;
}

/** Every transition of the machine as the Mermaid line that must draw it. */
function expectedEdgeLines(machine: AnyStateMachine): string[] {
  return allNodes(machine).flatMap((n) =>
    [...[...n.transitions.values()].flat(), ...(n.always ?? [])].flatMap((t) => {
      const guard = guardOf(t.guard);
      const label = t.eventType === '' ? `[${guard}]` : guard ? `${t.eventType} [${guard}]` : t.eventType;
      return (t.target?.length ? t.target : [n]).map((target) => `${idOf(machine, n)} --> ${idOf(machine, target)} : ${label}`);
    }),
  );
}

interface Block {
  id: string;
  name: string;
  children: Block[];
  initial: string | null;
  edges: string[];
}

/** Reads the block structure of a stateDiagram-v2 text: composites, declarations, initial arrows and edges. */
function parseMermaid(text: string): { top: Block; lines: string[] } {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  expect(lines[0]).toBe('stateDiagram-v2');
  const top: Block = { id: '(top)', name: '', children: [], initial: null, edges: [] };
  const stack = [top];
  for (const raw of lines.slice(1)) {
    const line = raw.trim();
    const current = stack.at(-1)!;
    let m: RegExpMatchArray | null;
    if (line.startsWith('%%')) continue;
    if ((m = line.match(/^state "([^"]+)" as ([A-Za-z][A-Za-z0-9_]*)( \{)?$/))) {
      const block: Block = { id: m[2]!, name: m[1]!, children: [], initial: null, edges: [] };
      current.children.push(block);
      if (m[3]) stack.push(block);
    } else if (line === '}') {
      stack.pop();
      expect(stack.length, 'a closing brace without its composite').toBeGreaterThan(0);
    } else if ((m = line.match(/^\[\*\] --> ([A-Za-z][A-Za-z0-9_]*)$/))) {
      expect(current.initial, `two initial states in ${current.id}`).toBeNull();
      current.initial = m[1]!;
    } else if ((m = line.match(/^([A-Za-z][A-Za-z0-9_]*) --> ([A-Za-z][A-Za-z0-9_]*) : ([A-Za-z_]+( \[[A-Za-z(), ]+\])?|\[[A-Za-z(), ]+\])$/))) {
      current.edges.push(line);
    } else {
      throw new Error(`not a stateDiagram-v2 line this chart should write: ${JSON.stringify(raw)}`);
    }
  }
  expect(stack, 'every composite is closed').toEqual([top]);
  return { top, lines };
}

describe('toMermaid', () => {
  for (const [name, machine] of Object.entries(machines)) {
    describe(name, () => {
      const text = toMermaid(machine);
      const { top } = parseMermaid(text);
      const blocks = new Map<string, Block>();
      const index = (b: Block) => {
        blocks.set(b.id, b);
        b.children.forEach(index);
      };
      index(top);
      const allEdges = [...blocks.values()].flatMap((b) => b.edges);

      it('declares every state once, nested as in the machine, with its initial state', () => {
        const nodes = allNodes(machine);
        expect(blocks.size - 1).toBe(nodes.length);
        expect(top.initial).toBe(machine.id);
        for (const n of nodes) {
          const b = blocks.get(idOf(machine, n));
          expect(b, `state ${n.id}`).toBeDefined();
          expect(b!.name).toBe(n === machine.root ? machine.id : n.key);
          expect(b!.children.map((c) => c.id)).toEqual(Object.values(n.states).map((c) => idOf(machine, c)));
          expect(b!.initial).toBe(n.type === 'compound' ? idOf(machine, n.initial.target[0]!) : null);
        }
      });

      it('draws every transition once, labelled EVENT [guard], inside the composite holding both ends', () => {
        const expected = [...new Set(expectedEdgeLines(machine))];
        expect([...allEdges].sort()).toEqual([...expected].sort());
        expect(new Set(allEdges).size, 'no duplicate edges').toBe(allEdges.length);
        // Every event the machine takes has an edge.
        for (const event of machine.root.events) expect(allEdges.some((l) => l.includes(` : ${event}`)), event).toBe(true);
        // An edge sits in the innermost composite containing both ends (its own parent for a composite's loop).
        for (const [id, b] of blocks) {
          for (const line of b.edges) {
            const [, src, dst] = line.match(/^(\S+) --> (\S+) :/)!;
            const within = (x: string) => x !== id && [...blocks.get(id)!.children].some(function has(c): boolean {
              return c.id === x || c.children.some(has);
            });
            if (id !== '(top)') expect(within(src!) && within(dst!), `${line} in ${id}`).toBe(true);
          }
        }
      });
    });
  }

  it('labels guards with their parameters, and eventless transitions with their guard alone', () => {
    const text = toMermaid(pathwayMachine);
    expect(text).toContain('prospective --> trg_applied : APPLY [canApply(trg)]');
    expect(text).toContain('development_completed --> embedding_selected : ADVANCED [canAdvance(embedding)]');
    expect(text).toContain('sustaining_completed --> sustaining_selected : ADVANCED [canAdvance(sustaining)]');
    expect(text).toContain('readiness_active_running --> readiness_active_evaluating : [obligationsMet]');
    expect(text).toContain('pathway --> pathway : YEAR_ENDED');
  });
});

describe('chartOf', () => {
  it('makes ids Mermaid and DOT can use from any state name', () => {
    const chart = chartOf(pathwayMachine);
    const ids = [chart.root.id, ...chart.root.children.flatMap(function all(s): string[] {
      return [s.id, ...s.children.flatMap(all)];
    })];
    expect(ids.every((id) => /^[A-Za-z][A-Za-z0-9_]*$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
  });
});

describe('toDot and toSvg', () => {
  for (const [name, machine] of Object.entries(machines)) {
    it(`${name}: a cluster per compound state, and an SVG with a node per state`, async () => {
      const dot = toDot(machine);
      expect(dot.startsWith(`digraph "${machine.id}" {`)).toBe(true);
      const compounds = allNodes(machine).filter((n) => Object.keys(n.states).length > 0);
      for (const n of compounds) expect(dot).toContain(`subgraph "cluster_${idOf(machine, n)}" {`);
      expect(dot.match(/subgraph "cluster_/g)).toHaveLength(compounds.length);

      const svg = await toSvg(machine);
      expect(svg).toMatch(/^(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?(<!--[\s\S]*?-->\s*)*<svg[\s>]/);
      expect(XMLValidator.validate(svg)).toBe(true);
      // Every state is a <g class="node"> whose <title> is its id; clusters are drawn for compounds.
      const doc = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', isArray: (tag) => tag === 'g' }).parse(svg);
      const groups: { class?: string; title?: string; g?: unknown[] }[] = [];
      const collect = (g: unknown) => {
        for (const x of (Array.isArray(g) ? g : []) as { class?: string; title?: string; g?: unknown[] }[]) {
          groups.push(x);
          collect(x.g);
        }
      };
      collect(doc.svg.g);
      const nodeTitles = groups.filter((g) => g.class === 'node').map((g) => String(g.title));
      for (const n of allNodes(machine)) expect(nodeTitles, n.id).toContain(idOf(machine, n));
      expect(groups.filter((g) => g.class === 'cluster')).toHaveLength(compounds.length);
      expect(groups.filter((g) => g.class === 'edge').length).toBeGreaterThan(compounds.length);
    });
  }

  it('lays out the same SVG every time', async () => {
    expect(await toSvg(phaseMachines.trg)).toBe(await toSvg(phaseMachines.trg));
  });
});

describe('pathway chart', () => {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const dir = mkdtempSync(join(tmpdir(), 'pathway-chart-'));
  const out = join(dir, 'embedding.svg');
  type Run = { code: number; stdout: string; stderr: string };
  const runs: Record<string, Run> = {};
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function pathway(...args: string[]): Promise<Run> {
    return new Promise((resolve) => {
      execFile(process.execPath, ['bin/pathway.mjs', ...args], { cwd: root, env: { ...process.env, NO_COLOR: '1' } }, (err, stdout, stderr) => {
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
      });
    });
  }

  // Each run starts the whole CLI: start them together.
  beforeAll(async () => {
    const calls: Record<string, string[]> = {
      mermaid: ['chart', 'pathway', '--format', 'mermaid'],
      full: ['chart', 'pathway', '--full'],
      default: ['chart', 'readiness'],
      svg: ['chart', 'embedding', '--format', 'svg', '--out', out],
      unknownMachine: ['chart', 'foundation'],
      unknownFormat: ['chart', 'trg', '--format', 'png'],
    };
    const results = await Promise.all(Object.values(calls).map((args) => pathway(...args)));
    Object.keys(calls).forEach((k, i) => (runs[k] = results[i]!));
  });

  it('prints the Mermaid chart of the pathway at phase level, and every state with --full', () => {
    const { code, stdout, stderr } = runs.mermaid!;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(toPhaseMermaid(phaseChartOf(pathwayMachine, phaseMachines)));
    expect(runs.full).toEqual({ code: 0, stdout: toMermaid(pathwayMachine), stderr: '' });
  });

  it('Mermaid is the default; svg goes to a file with --out; dot on request', async () => {
    expect(runs.default).toEqual({ code: 0, stdout: toMermaid(phaseMachines.readiness), stderr: '' });
    expect(runs.svg).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(readFileSync(out, 'utf8')).toBe(await toSvg(phaseMachines.embedding));
    expect(await renderChart('development', 'dot')).toBe(toDot(phaseMachines.development));
    const phases = phaseChartOf(pathwayMachine, phaseMachines);
    expect(await renderChart('pathway', 'dot')).toBe(toPhaseDot(phases, { technical: true }));
    expect(await renderChart('pathway', 'svg')).toBe(await toPhaseSvg(phases));
    expect(await renderChart('pathway', 'svg', { full: true })).toBe(await toSvg(pathwayMachine));
  });

  it('an unknown machine exits 2 and lists the machines', async () => {
    const { code, stdout, stderr } = runs.unknownMachine!;
    expect(code).toBe(2);
    expect(stdout).toBe('');
    expect(stderr).toContain('no machine called "foundation": choose one of pathway, trg, readiness, development, embedding, sustaining');
    await expect(renderChart('foundation', 'mermaid')).rejects.toThrow(UsageError);
  });

  it('an unknown format exits 2 and lists the formats', () => {
    const { code, stderr } = runs.unknownFormat!;
    expect(code).toBe(2);
    expect(stderr).toContain('Allowed choices are mermaid, svg, dot');
  });
});

/**
 * The moves between phases, found without chart.ts: every transition of the
 * pathway with a target whose ends lie in different top-level states, or
 * whose event the same state of the standalone phase machine does not take.
 */
function expectedMoves(machine: AnyStateMachine): string[] {
  const inPhaseMachine = (n: AnyStateNode): AnyStateNode | undefined => {
    const m = (phaseMachines as Record<string, AnyStateMachine>)[n.path[0] ?? ''];
    return m && n.path.slice(1).reduce<AnyStateNode | undefined>((at, key) => at?.states[key], m.root);
  };
  return allNodes(machine).flatMap((n) =>
    [...[...n.transitions.values()].flat(), ...(n.always ?? [])].flatMap((t) =>
      (t.target ?? [])
        .filter((target) => {
          const own = inPhaseMachine(n);
          return target.path[0] !== n.path[0] || !(t.eventType === '' ? own?.always?.length : own?.transitions.has(t.eventType));
        })
        .map((target) => `${n.path.join('.')} ${t.eventType} ${target.path.join('.')}`),
    ),
  );
}

describe('the pathway at phase level', () => {
  const chart = phaseChartOf(pathwayMachine, phaseMachines);
  const covered = (c: typeof chart) => c.edges.flatMap((e) => e.covers.map((m) => `${m.from} ${m.event} ${m.to}`));

  it('draws every move between phases of the machine: 42 applications through one junction and 5 moves on (Embedding and Sustaining have no application states)', () => {
    const expected = [...new Set(expectedMoves(pathwayMachine))].sort();
    expect(expected).toHaveLength(47);
    expect(expected.filter((m) => m.includes(' ADVANCED '))).toHaveLength(5);
    expect(expected.some((m) => / APPLY (embedding|sustaining)\./.test(m))).toBe(false);
    expect(phaseMovesOf(pathwayMachine, phaseMachines).map((m) => `${m.from} ${m.event} ${m.to}`).sort()).toEqual(expected);
    // Every move is drawn by an arrow (a move through the junction by its arrow in and its arrow out).
    expect([...new Set(covered(chart))].sort()).toEqual(expected);
    const phases = ['trg', 'readiness', 'development', 'embedding', 'sustaining'];
    expect(chart.nodes.filter((n) => n.kind === 'phase').map((n) => n.id)).toEqual(phases);
    const arrows = chart.edges.map((e) => `${e.source} -> ${e.target}${e.label ? `: ${e.label}` : ''}`);
    expect(arrows).toEqual([
      'prospective -> junction_1',
      ...phases.map((p) => `${p} -> junction_1`),
      'junction_1 -> trg',
      'junction_1 -> readiness',
      'junction_1 -> development',
      'trg -> readiness: moves on\nonce completed',
      'readiness -> development: moves on\nonce completed',
      'development -> embedding: moves on\nonce completed',
      'embedding -> sustaining: moves on\nonce completed',
      'sustaining -> sustaining: starts again\nnext year',
    ]);
    const junction = chart.nodes.find((n) => n.kind === 'junction')!;
    expect(junction.name).toBe('Applies for TRG pilot, Readiness or Development');
    expect(junction.lines).toEqual(['when not yet applied, or once a phase is declined, completed or withdrawn']);
  });

  it('fails loudly rather than drift: a move added to the machine is drawn, and one with no words is an error', () => {
    const config = pathwayMachine.config as any;
    const withMove = (event: string) => {
      const deferred = config.states.readiness.states.deferred;
      return pathwaySetup.createMachine({
        ...config,
        states: { ...config.states, readiness: { ...config.states.readiness, states: { ...config.states.readiness.states, deferred: { ...deferred, on: { ...deferred.on, [event]: { target: '#development.selected' } } } } } },
      } as any) as unknown as AnyStateMachine;
    };
    const changed = phaseChartOf(withMove('SELECTED'), phaseMachines);
    expect(covered(changed)).toContain('readiness.deferred SELECTED development.selected');
    const arrow = changed.edges.find((e) => e.covers.some((m) => m.event === 'SELECTED'))!;
    expect(arrow).toMatchObject({ source: 'readiness', target: 'development', label: 'selected\nonce deferred', technical: 'SELECTED' });
    expect(toPhaseDot(changed)).toContain('"readiness" -> "development" [label="selected\\nonce deferred"');
    expect(() => phaseChartOf(withMove('TELEPORTED'), phaseMachines)).toThrow('the chart has no words for the event "TELEPORTED"');
  });

  it('is legible: few arrows, no label more often than its arrows need, words not event names, and large enough type on A4 landscape', async () => {
    expect(chart.edges.length).toBeLessThanOrEqual(15);
    const labels = chart.edges.map((e) => e.label).filter(Boolean);
    for (const label of new Set(labels)) {
      // A label repeats only across different pairs of phases (one "moves on" per step along the route).
      const pairs = chart.edges.filter((e) => e.label === label).map((e) => `${e.source}>${e.target}`);
      expect(new Set(pairs).size, String(label)).toBe(pairs.length);
    }
    const svg = await toPhaseSvg(chart);
    expect(XMLValidator.validate(svg)).toBe(true);
    const texts = [...svg.matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((m) => m[1]!);
    expect(texts.join(' ')).not.toMatch(/[A-Z]{2,}_[A-Z]/);
    expect(texts).toEqual(expect.arrayContaining(['TRG pilot', 'Sustaining', 'moves on', 'once completed', 'starts again', 'next year']));
    // Not even in a tooltip: no event name anywhere in the picture.
    for (const event of pathwayMachine.root.events) expect(svg).not.toContain(event);
    // Scaled to fit an A4 landscape page inside 1 cm margins (277 x 190 mm in points), the smallest type stays at 8 points or more.
    const [, w, h] = svg.match(/<svg width="(\d+)pt" height="(\d+)pt"/)!.map(Number);
    const scale = Math.min(1, (277 / 25.4) * 72 / w!, (190 / 25.4) * 72 / h!);
    const smallest = Math.min(...[...svg.matchAll(/font-size="([\d.]+)"/g)].map((m) => Number(m[1])));
    expect(smallest * scale).toBeGreaterThanOrEqual(8);
  });

  it('Mermaid and DOT have the same boxes and arrows, with the event names only as comments and tooltips', () => {
    const mermaid = toPhaseMermaid(chart);
    const drawn = mermaid.split('\n').filter((l) => l.includes('-->') && !l.trim().startsWith('%%') && !l.includes('[*]'));
    expect(drawn).toHaveLength(chart.edges.length);
    for (const n of chart.nodes) expect(mermaid).toContain(` as ${n.id}\n`);
    for (const event of pathwayMachine.root.events) expect(drawn.join('\n')).not.toContain(event);
    expect(mermaid).toContain('  %% ADVANCED [canAdvance(sustaining)]\n  sustaining --> sustaining : starts again next year\n');
    const dot = toPhaseDot(chart, { technical: true });
    expect(dot.match(/ -> /g)).toHaveLength(chart.edges.length);
    expect(dot).toContain('"embedding" -> "sustaining" [label="moves on\\nonce completed", tooltip="ADVANCED [canAdvance(sustaining)]"];');
    expect(toPhaseDot(chart)).not.toContain('tooltip');
  });
});

describe('schoolPathwayChart', () => {
  const developmentActive = {
    route: 'primary' as const,
    current: { phase: 'development', status: 'active' },
    visited: [
      ...['applied', 'eligible', 'selected', 'active', 'evaluating', 'completed'].map((status) => ({ phase: 'readiness', status })),
      { phase: 'development', status: 'selected' },
    ],
  };
  const stepsOf = (svg: string) =>
    [...svg.matchAll(/<g class="pathway-chart-step([^"]*)" data-state="([^"]+)"[^>]*>(.*?)<\/g>/g)].map((m) => ({ classes: m[1]!.trim(), id: m[2]!, body: m[3]! }));

  it('says in words where the school is: role img, title and desc', async () => {
    const svg = await schoolPathwayChart(developmentActive);
    expect(XMLValidator.validate(svg)).toBe(true);
    expect(svg).toMatch(/^<svg [^>]*role="img"[^>]*aria-labelledby="pathway-chart-title pathway-chart-desc"/);
    expect(svg).toContain('<title id="pathway-chart-title">Where the school is on the primary Teaching for Mastery pathway</title>');
    const desc = svg.match(/<desc id="pathway-chart-desc">([^<]*)<\/desc>/)![1]!;
    expect(desc).toContain('Now: Development, taking part — meeting attendance being recorded.');
    expect(desc).toContain('Been through: Readiness, applied; Readiness, eligible;');
    expect(desc).toContain('The primary route: TRG pilot, then Readiness, then Development, then Embedding, then Sustaining.');
    // Sized by its container, in the GOV.UK palette and font, no <style> for a strict CSP to block.
    expect(svg).toMatch(/^<svg [^>]*viewBox="0 0 1000 \d+" width="100%"/);
    expect(svg).not.toMatch(/<svg [^>]*height=/);
    expect(svg).toContain('font-family="arial,sans-serif"');
    expect(svg).not.toContain('<style');
  });

  it('names each step as the school page names the status, shortened to fit its box', async () => {
    const svg = await schoolPathwayChart(developmentActive);
    const label = (id: string) => stepsOf(svg).find((s) => s.id === id)!.body.match(/<text [^>]*>(?:✓ )?([^<]+)<\/text>/)![1];
    expect(label('development-active')).toBe('Taking part');
    expect(label('development-waitlisted')).toBe('Waiting list');
    expect(label('development-evaluating')).toBe('Evaluation due');
    expect(label('development-declined')).toBe('Not offered');
    expect(label('development-overdue')).toBe('Overdue');
    expect(svg).not.toMatch(/>(Active|Waitlisted|Declined|Evaluation)<\/text>/);
  });

  it('marks the current step by outline, words and aria-current, and the path walked by ticks and arrows', async () => {
    const svg = await schoolPathwayChart(developmentActive);
    const steps = stepsOf(svg);
    const now = steps.filter((s) => s.classes.includes('current'));
    expect(now.map((s) => s.id)).toEqual(['development-active']);
    expect(now[0]!.body).toContain('stroke="#1d70b8" stroke-width="5"');
    expect(now[0]!.body).toContain('>You are here</text>');
    expect(svg.match(/You are here/g)).toHaveLength(2); // the step and the legend
    expect(svg).toContain('data-state="development-active" aria-current="step"');
    const visited = steps.filter((s) => s.classes.includes('visited')).map((s) => s.id);
    expect(visited).toEqual([...developmentActive.visited.map((v) => `${v.phase}-${v.status}`)]);
    for (const s of steps.filter((x) => x.classes.includes('visited'))) expect(s.body).toMatch(/>✓ /);
    for (const s of steps.filter((x) => !x.classes)) expect(s.body).not.toMatch(/✓|You are here/);
    const walked = [...svg.matchAll(/<g class="pathway-chart-move visited" data-from="([^"]+)" data-to="([^"]+)"/g)].map((m) => `${m[1]} > ${m[2]}`);
    expect(walked).toEqual([
      'readiness-applied > readiness-eligible',
      'readiness-eligible > readiness-selected',
      'readiness-selected > readiness-active',
      'readiness-active > readiness-evaluating',
      'readiness-evaluating > readiness-completed',
      'development-selected > development-active',
      'readiness-completed > development-selected',
    ].sort((a, b) => walked.indexOf(a) - walked.indexOf(b)));
    expect(walked).toHaveLength(7);
  });

  it('draws the steps and moves of the machines for each route', async () => {
    const primary = stepsOf(await schoolPathwayChart({ route: 'primary', current: { phase: 'none', status: 'prospective' }, visited: [] })).map((s) => s.id);
    const statuses = ['applied', 'eligible', 'waitlisted', 'selected', 'active', 'evaluating', 'overdue', 'completed', 'declined', 'deferred', 'withdrawn'];
    for (const phase of ['trg', 'readiness', 'development']) for (const st of statuses) expect(primary, `${phase} ${st}`).toContain(`${phase}-${st}`);
    // Nobody applies for Embedding or Sustaining: they start at "selected".
    for (const phase of ['embedding', 'sustaining']) {
      expect(primary.filter((id) => id.startsWith(`${phase}-`)).sort()).toEqual(['completed', 'deferred', 'evaluating', 'overdue', 'active', 'selected', 'withdrawn'].map((s) => `${phase}-${s}`).sort());
    }
    const secondary = await schoolPathwayChart({ route: 'secondary', current: { phase: 'embedding', status: 'selected' }, visited: [] });
    expect(stepsOf(secondary).some((s) => s.id.startsWith('trg') || s.id.startsWith('readiness'))).toBe(false);
    const moves = [...secondary.matchAll(/data-from="([^"]+)" data-to="([^"]+)"/g)].map((m) => `${m[1]} > ${m[2]}`);
    expect(moves).toEqual(expect.arrayContaining(['prospective > development-applied', 'development-completed > embedding-selected', 'embedding-completed > sustaining-selected', 'sustaining-completed > sustaining-selected']));
    expect(moves.filter((m) => m.startsWith('prospective'))).toEqual(['prospective > development-applied']);
    expect(secondary).toContain('A school can apply again once a phase is declined, completed or withdrawn.');
  });

  it('refuses a phase or status that is not on the route, naming the field and the value', async () => {
    await expect(schoolPathwayChart({ route: 'secondary', current: { phase: 'trg', status: 'active' }, visited: [] })).rejects.toThrow('current.phase must be a phase of the secondary route (none, development, embedding, sustaining), got "trg"');
    await expect(schoolPathwayChart({ ...developmentActive, visited: [{ phase: 'embedding', status: 'applied' }] })).rejects.toThrow(/visited\[0\]\.status must be one of .* for phase embedding, got "applied"/);
    await expect(schoolPathwayChart({ ...developmentActive, route: 'tertiary' as 'primary' })).rejects.toThrow('route must be primary or secondary, got "tertiary"');
  });

  it('costs well under 5 ms a call once the route is laid out', async () => {
    await schoolPathwayChart(developmentActive);
    const n = 200;
    const start = performance.now();
    for (let i = 0; i < n; i++) await schoolPathwayChart({ ...developmentActive, current: { phase: 'development', status: i % 2 ? 'active' : 'evaluating' } });
    expect((performance.now() - start) / n).toBeLessThan(5);
  });
});

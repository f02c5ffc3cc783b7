/**
 * Charts of the machines (machines/chart.ts) and the `pathway chart` command:
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
import { chartOf, toDot, toMermaid, toSvg } from '../machines/chart.js';
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
      default: ['chart', 'readiness'],
      svg: ['chart', 'embedding', '--format', 'svg', '--out', out],
      unknownMachine: ['chart', 'foundation'],
      unknownFormat: ['chart', 'trg', '--format', 'png'],
    };
    const results = await Promise.all(Object.values(calls).map((args) => pathway(...args)));
    Object.keys(calls).forEach((k, i) => (runs[k] = results[i]!));
  });

  it('prints the Mermaid chart of the pathway', () => {
    const { code, stdout, stderr } = runs.mermaid!;
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toBe(toMermaid(pathwayMachine));
  });

  it('Mermaid is the default; svg goes to a file with --out; dot on request', async () => {
    expect(runs.default).toEqual({ code: 0, stdout: toMermaid(phaseMachines.readiness), stderr: '' });
    expect(runs.svg).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(readFileSync(out, 'utf8')).toBe(await toSvg(phaseMachines.embedding));
    expect(await renderChart('development', 'dot')).toBe(toDot(phaseMachines.development));
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

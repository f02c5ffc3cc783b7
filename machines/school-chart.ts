/**
 * The pathway chart for a school's page: the phases of the school's route,
 * one band each, with the steps of a phase inside its band, the school's
 * current step highlighted and the steps it has been through marked.
 *
 * The boxes and arrows are read from the machines (pathway.ts and the phase
 * machines): every state of a phase has a fixed place on a two-row grid
 * (main steps on top, side steps below), and an arrow is drawn wherever the
 * machine has a transition between neighbouring places, and for every move
 * between phases on the route. A state without a place is an error, so a new
 * state cannot go missing from the picture.
 *
 * The layout is computed once per route and kept; a call only writes the
 * highlight attributes. Presentation attributes (not a <style> element) so
 * that a strict Content-Security-Policy allows it inline.
 *
 * schoolPathwayChart is pure apart from that cache (same input, same string).
 */
import type { AnyStateMachine, AnyStateNode } from 'xstate';
import { PHASE_WORDS, phaseMovesOf, STEP_WORDS, type PhaseMove } from './chart.js';
import { pathwayMachine } from './pathway.js';
import { phaseMachines } from './phase-machines.js';
import { ROUTES } from './rules.js';

export type SchoolRoute = 'primary' | 'secondary';
export interface PathwayPoint {
  phase: string;
  status: string;
}
export interface SchoolChartInput {
  route: SchoolRoute;
  current: PathwayPoint;
  visited: PathwayPoint[];
}

const BLUE = '#1d70b8';
const GREEN = '#00703c';
const GREY = '#505a5f';
const TEXT = '#0b0c0c';
const FONT = 'arial,sans-serif';

/** Where each state of a phase sits: column on the grid, row 0 (main steps) or 1 (side steps). Keyed by the status word summary.ts uses. */
const PLACES: Readonly<Record<string, { col: number; row: 0 | 1 }>> = {
  applied: { col: 0, row: 0 },
  eligible: { col: 1, row: 0 },
  selected: { col: 2, row: 0 },
  active: { col: 3, row: 0 },
  evaluating: { col: 4, row: 0 },
  completed: { col: 5, row: 0 },
  declined: { col: 0, row: 1 },
  waitlisted: { col: 1, row: 1 },
  deferred: { col: 2, row: 1 },
  withdrawn: { col: 3, row: 1 },
  overdue: { col: 4, row: 1 },
};

/**
 * Box labels: the words the school's page uses for its status ("Taking part",
 * "On the waiting list", domain/words/school-state.ts), shortened to fit a box,
 * so the chart never names a status the page calls something else.
 */
const BOX_WORDS: Readonly<Record<string, string>> = { waitlisted: 'waiting list', active: 'taking part', evaluating: 'evaluation due', overdue: 'overdue', declined: 'not offered' };

/** What each status means for the school, for the description a screen reader reads. */
const STATUS_MEANING: Readonly<Record<string, string>> = {
  prospective: 'not yet applied for a phase',
  applied: 'application received, eligibility to be assessed',
  eligible: 'eligible, waiting to hear about a place',
  waitlisted: 'on the waiting list for a place',
  selected: 'place offered, commitment to be signed',
  active: 'meeting attendance being recorded',
  evaluating: 'evaluation to be submitted',
  overdue: 'evaluation overdue',
  completed: 'phase completed',
  declined: 'not offered a place',
  deferred: 'deferred to a later year',
  withdrawn: 'withdrawn from the phase',
};

/** The status word of a machine state: the leaf of `active` is its own status, `running` reads as `active` (as in summary.ts). */
function statusOf(node: AnyStateNode): string {
  return node.key === 'running' ? 'active' : node.key;
}

// Geometry, in viewBox units.
const W = 1000;
const SLOT_X0 = 90;
const SLOT_STEP = 150;
const BOX_W = 120;
const BOX_H = 40;
const HEAD = 34; // band top to the main row
const ROW_GAP = 24;
const BAND_H = HEAD + BOX_H + ROW_GAP + BOX_H + 12;
const BAND_GAP = 26;
const TOP = 60;

interface Box {
  id: string;
  phase: string;
  status: string;
  x: number;
  y: number;
  w: number;
  h: number;
  label: string;
}

interface Arrow {
  id: string;
  from: string;
  to: string;
  d: string;
  label: { x: number; y: number; text: string; anchor: 'start' | 'middle' | 'end' } | null;
}

interface Layout {
  height: number;
  boxes: Map<string, Box>;
  arrows: Arrow[];
  /** Arrows by "from\u0000to" box ids, to mark the visited path. */
  arrowBetween: Map<string, Arrow>;
  backdrop: string;
  phases: readonly string[];
  /** Moves drawn in words, not arrows (applying again after a phase ends). */
  note: string;
}

const boxId = (phase: string, status: string) => (phase === 'none' ? 'prospective' : `${phase}-${status}`);

function esc(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);

/** The leaf states of a phase machine, each with its place; throws for a state with no place. */
function placedStates(kind: string): { node: AnyStateNode; status: string }[] {
  const machine = (phaseMachines as Record<string, AnyStateMachine>)[kind]!;
  const out: { node: AnyStateNode; status: string }[] = [];
  const walk = (n: AnyStateNode) => {
    const children = Object.values(n.states);
    if (children.length === 0 && n !== machine.root) {
      const status = statusOf(n);
      if (!PLACES[status]) throw new Error(`the school chart has no place for the ${kind} state ${JSON.stringify(n.path.join('.'))}: add it to PLACES in machines/school-chart.ts`);
      out.push({ node: n, status });
    }
    children.forEach(walk);
  };
  walk(machine.root);
  return out;
}

/** The point where the line from a box's centre towards (tx, ty) leaves the box. */
function exitPoint(b: Box, tx: number, ty: number, pad = 0): [number, number] {
  const cx = b.x + b.w / 2;
  const cy = b.y + b.h / 2;
  const dx = tx - cx;
  const dy = ty - cy;
  const sx = dx === 0 ? Infinity : (b.w / 2 + pad) / Math.abs(dx);
  const sy = dy === 0 ? Infinity : (b.h / 2 + pad) / Math.abs(dy);
  const s = Math.min(sx, sy);
  return [cx + dx * s, cy + dy * s];
}

const r = (n: number) => Math.round(n * 10) / 10;

/**
 * The boxes a school on the route can reach, following every transition of
 * the pathway machine from before its first application and staying on the
 * route's phases (so Embedding shows no "applied": no school applies for it).
 */
function reachable(phases: readonly string[]): Set<string> {
  const leafOf = (n: AnyStateNode): AnyStateNode => (Object.keys(n.states).length ? leafOf(n.initial.target[0]!) : n);
  const leavesUnder = (n: AnyStateNode): AnyStateNode[] => (Object.keys(n.states).length ? Object.values(n.states).flatMap(leavesUnder) : [n]);
  const idOf = (leaf: AnyStateNode) => (leaf.path.length === 1 ? leaf.key : boxId(leaf.path[0]!, statusOf(leaf)));
  const next = new Map<AnyStateNode, AnyStateNode[]>();
  const walk = (n: AnyStateNode) => {
    for (const t of [...[...n.transitions.values()].flat(), ...(n.always ?? [])]) {
      for (const target of t.target ?? []) {
        if (!phases.includes(target.path[0]!)) continue;
        for (const leaf of leavesUnder(n)) next.set(leaf, [...(next.get(leaf) ?? []), leafOf(target)]);
      }
    }
    Object.values(n.states).forEach(walk);
  };
  walk(pathwayMachine.root);
  const start = leafOf(pathwayMachine.root);
  const seen = new Set<AnyStateNode>([start]);
  const queue = [start];
  while (queue.length) for (const n of next.get(queue.shift()!) ?? []) if (!seen.has(n)) seen.add(n), queue.push(n);
  return new Set([...seen].map(idOf));
}

/** Lays out the chart of a route from the machines. Pure. */
function layout(route: SchoolRoute): Layout {
  const phases = ROUTES[route] as readonly string[];
  const boxes = new Map<string, Box>();
  const arrows: Arrow[] = [];
  const bandY = (i: number) => TOP + i * (BAND_H + BAND_GAP);
  let backdrop = '';
  const canReach = reachable(phases);

  // The school before its first application.
  boxes.set('prospective', { id: 'prospective', phase: 'none', status: 'prospective', x: 14, y: 10, w: 170, h: BOX_H, label: capitalise(STEP_WORDS.prospective!) });

  phases.forEach((phase, i) => {
    const y0 = bandY(i);
    backdrop += `<rect x="56" y="${y0}" width="${W - 66}" height="${BAND_H}" rx="6" fill="#f3f2f1"/>`;
    backdrop += `<text x="72" y="${y0 + 23}" font-size="18" font-weight="bold" fill="${TEXT}">${esc(PHASE_WORDS[phase] ?? phase)}</text>`;
    for (const { status } of placedStates(phase)) {
      if (!canReach.has(boxId(phase, status))) continue;
      const place = PLACES[status]!;
      const y = y0 + HEAD + place.row * (BOX_H + ROW_GAP);
      boxes.set(boxId(phase, status), { id: boxId(phase, status), phase, status, x: SLOT_X0 + place.col * SLOT_STEP, y, w: BOX_W, h: BOX_H, label: capitalise(BOX_WORDS[status] ?? STEP_WORDS[status] ?? status) });
    }

    // Arrows inside the phase: between neighbouring places, along a row, up or down a column, or from a side step back up to the main row.
    const machine = (phaseMachines as Record<string, AnyStateMachine>)[phase]!;
    const seen = new Set<string>();
    const leafOf = (n: AnyStateNode): AnyStateNode => (Object.keys(n.states).length ? leafOf(n.initial.target[0]!) : n);
    const walk = (n: AnyStateNode) => {
      for (const t of [...[...n.transitions.values()].flat(), ...(n.always ?? [])]) {
        for (const target of t.target ?? []) {
          const a = boxes.get(boxId(phase, statusOf(leafOf(n))));
          const b = boxes.get(boxId(phase, statusOf(leafOf(target))));
          if (!a || !b || a === b) continue;
          const pa = PLACES[a.status]!;
          const pb = PLACES[b.status]!;
          const neighbours =
            (pa.row === pb.row && Math.abs(pa.col - pb.col) === 1) || pa.col === pb.col || (pa.row === 1 && pb.row === 0 && Math.abs(pa.col - pb.col) === 1);
          const key = `${a.id}\u0000${b.id}`;
          if (!neighbours || seen.has(key)) continue;
          seen.add(key);
          arrows.push({ id: `${a.id}--${b.id}`, from: a.id, to: b.id, d: '', label: null });
        }
      }
      Object.values(n.states).forEach(walk);
    };
    walk(machine.root);
  });

  // Straight arrows for the moves inside a phase; a pair of opposite arrows in one column side by side.
  for (const arrow of arrows) {
    const a = boxes.get(arrow.from)!;
    const b = boxes.get(arrow.to)!;
    const twin = arrows.some((o) => o.from === arrow.to && o.to === arrow.from);
    const shift = twin && a.x === b.x ? (a.y < b.y ? -16 : 16) : 0;
    const [x1, y1] = exitPoint({ ...a, x: a.x + shift }, b.x + shift + b.w / 2, b.y + b.h / 2);
    const [x2, y2] = exitPoint({ ...b, x: b.x + shift }, a.x + shift + a.w / 2, a.y + a.h / 2, 3);
    arrow.d = `M${r(x1)},${r(y1)} L${r(x2)},${r(y2)}`;
  }

  // Moves between phases (and onto the pathway) on this route, from the pathway machine.
  const moves = phaseMovesOf(pathwayMachine, phaseMachines as Record<string, AnyStateMachine>);
  const onRoute = (p: string) => p === pathwayMachine.id || phases.includes(p);
  const boxOfPath = (path: string): Box | undefined => {
    const [phase, ...rest] = path.split('.');
    if (!rest.length) return boxes.get(phase === 'prospective' ? 'prospective' : '');
    return boxes.get(boxId(phase!, rest.at(-1) === 'running' ? 'active' : rest.at(-1)!));
  };
  const applyTargets: Box[] = [];
  const reapplyFrom = new Set<string>();
  for (const m of moves as PhaseMove[]) {
    if (!onRoute(m.fromPhase) && m.fromPhase !== 'prospective') continue;
    if (!phases.includes(m.toPhase)) continue;
    const a = boxOfPath(m.from);
    const b = boxOfPath(m.to);
    if (!a || !b) continue;
    if (a.id === 'prospective') {
      if (!applyTargets.includes(b)) applyTargets.push(b);
      continue;
    }
    // Applying again from a phase's resting step is told in the legend: a line from every resting step would hide the steps.
    if (m.event === 'APPLY') {
      reapplyFrom.add(STEP_WORDS[a.status] ?? a.status);
      continue;
    }
    const id = `${a.id}--${b.id}`;
    if (arrows.some((x) => x.id === id)) continue;
    const fromBand = phases.indexOf(a.phase);
    const toBand = phases.indexOf(b.phase);
    const ax = a.x + a.w / 2;
    if (toBand === fromBand) {
      // The yearly loop: over the top of the row, from the end back to the start of the year.
      const yTop = a.y - 8;
      const bx = b.x + b.w - 20;
      arrows.push({ id, from: a.id, to: b.id, d: `M${ax},${a.y} V${yTop} H${bx} V${b.y - 3}`, label: { x: ax - 10, y: yTop - 5, text: 'starts again next year', anchor: 'end' } });
    } else {
      // Down the gap below the band, then along it to the step the school moves on to.
      const yChannel = a.y + (BOX_H + ROW_GAP) + BOX_H + 12 + BAND_GAP / 2;
      const bx = b.x + 24;
      arrows.push({ id, from: a.id, to: b.id, d: `M${ax},${a.y + a.h} V${yChannel} H${bx} V${b.y - 3}`, label: { x: ax - 10, y: yChannel - 4, text: `moves on to ${PHASE_WORDS[b.phase] ?? b.phase} once completed`, anchor: 'end' } });
    }
  }

  // Applying for a phase: one line down the left margin from "not yet applied", branching into each phase a school applies for.
  if (applyTargets.length) {
    const p = boxes.get('prospective')!;
    const busX = 30;
    const lastY = Math.max(...applyTargets.map((b) => b.y + b.h / 2));
    backdrop += `<path d="M${busX},${p.y + p.h} V${lastY}" stroke="${GREY}" stroke-width="1.5" fill="none"/>`;
    for (const b of applyTargets) {
      arrows.push({ id: `prospective--${b.id}`, from: 'prospective', to: b.id, d: `M${busX},${b.y + b.h / 2} H${b.x - 3}`, label: { x: busX + 4, y: b.y + b.h / 2 - 5, text: 'applies', anchor: 'start' } });
    }
  }

  const height = TOP + phases.length * (BAND_H + BAND_GAP) + 40;
  const arrowBetween = new Map(arrows.map((a) => [`${a.from}\u0000${a.to}`, a]));
  const steps = [...reapplyFrom];
  const note = steps.length ? `A school can apply again once a phase is ${steps.length > 1 ? `${steps.slice(0, -1).join(', ')} or ${steps.at(-1)}` : steps[0]}.` : '';
  return { height, boxes, arrows, arrowBetween, backdrop, phases, note };
}

const layouts = new Map<SchoolRoute, Layout>();
function layoutFor(route: SchoolRoute): Layout {
  let l = layouts.get(route);
  if (!l) layouts.set(route, (l = layout(route)));
  return l;
}

function where(p: PathwayPoint): string {
  return p.phase === 'none' ? 'Not yet on the pathway' : `${PHASE_WORDS[p.phase] ?? p.phase}, ${BOX_WORDS[p.status] ?? STEP_WORDS[p.status] ?? p.status}`;
}

/** Checks a point is a box on the route's chart; a clear error naming the field, the rule and the value otherwise. */
function boxFor(l: Layout, route: SchoolRoute, field: string, p: PathwayPoint): Box {
  if (!p || typeof p.phase !== 'string' || typeof p.status !== 'string') throw new TypeError(`${field} must be { phase, status } strings, got ${JSON.stringify(p)}`);
  if (p.phase !== 'none' && !l.phases.includes(p.phase)) {
    throw new RangeError(`${field}.phase must be a phase of the ${route} route (${['none', ...l.phases].join(', ')}), got ${JSON.stringify(p.phase)}`);
  }
  const box = l.boxes.get(boxId(p.phase, p.status));
  if (!box) {
    const statuses = [...l.boxes.values()].filter((b) => b.phase === p.phase).map((b) => b.status);
    throw new RangeError(`${field}.status must be one of ${statuses.join(', ')} for phase ${p.phase}, got ${JSON.stringify(p.status)}`);
  }
  return box;
}

/**
 * The school's pathway as an inline SVG string: the phases of its route with
 * their steps, the current step drawn with a thick blue outline and the words
 * "You are here", the steps it has been through ticked and outlined in green
 * (with the arrows between them), a legend, and a <title> and <desc> saying
 * where the school is. `visited` is in the order the school went through
 * the steps; it may or may not end with `current`. Throws a RangeError naming
 * the field for a phase or status that is not on the route's chart.
 * Deterministic; the layout of each route is computed once and kept.
 */
export async function schoolPathwayChart(input: { route: 'primary' | 'secondary'; current: { phase: string; status: string }; visited: { phase: string; status: string }[] }): Promise<string> {
  const { route, current, visited } = input;
  if (route !== 'primary' && route !== 'secondary') throw new RangeError(`route must be primary or secondary, got ${JSON.stringify(route)}`);
  if (!Array.isArray(visited)) throw new TypeError(`visited must be a list of { phase, status }, got ${JSON.stringify(visited)}`);
  const l = layoutFor(route);
  const now = boxFor(l, route, 'current', current);
  const path = visited.map((p, i) => boxFor(l, route, `visited[${i}]`, p));
  const beenThrough = new Set(path.map((b) => b.id));
  beenThrough.delete(now.id);
  const walked = new Set<Arrow>();
  const trail = [...path, now];
  for (let i = 1; i < trail.length; i++) {
    const a = l.arrowBetween.get(`${trail[i - 1]!.id}\u0000${trail[i]!.id}`);
    if (a) walked.add(a);
  }

  const out: string[] = [];
  const title = `Where the school is on the ${route} Teaching for Mastery pathway`;
  const before = path.filter((b) => b.id !== now.id);
  const desc =
    `Now: ${where(now)} — ${STATUS_MEANING[now.status] ?? now.status}.` +
    (before.length ? ` Been through: ${[...new Map(before.map((b) => [b.id, where(b)])).values()].join('; ')}.` : '') +
    ` The ${route} route: ${l.phases.map((p) => PHASE_WORDS[p] ?? p).join(', then ')}.`;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="pathway-chart" role="img" aria-labelledby="pathway-chart-title pathway-chart-desc" viewBox="0 0 ${W} ${l.height}" width="100%" preserveAspectRatio="xMidYMin meet" font-family="${FONT}" fill="${TEXT}" data-route="${route}" data-current="${now.id}">`,
    `<title id="pathway-chart-title">${esc(title)}</title>`,
    `<desc id="pathway-chart-desc">${esc(desc)}</desc>`,
    `<defs><marker id="pathway-chart-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="10" markerHeight="10" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${GREY}"/></marker>`,
    `<marker id="pathway-chart-arrow-walked" viewBox="0 0 10 10" refX="9" refY="5" markerUnits="userSpaceOnUse" markerWidth="12" markerHeight="12" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" fill="${GREEN}"/></marker></defs>`,
    l.backdrop,
  );
  for (const a of l.arrows) {
    const w = walked.has(a);
    out.push(
      `<g class="pathway-chart-move${w ? ' visited' : ''}" data-from="${a.from}" data-to="${a.to}"><path d="${a.d}" fill="none" stroke="${w ? GREEN : GREY}" stroke-width="${w ? 3.5 : 1.5}" marker-end="url(#pathway-chart-arrow${w ? '-walked' : ''})"/>`,
      a.label ? `<text x="${a.label.x}" y="${a.label.y}" text-anchor="${a.label.anchor}" font-size="12" fill="${TEXT}">${esc(a.label.text)}</text>` : '',
      '</g>',
    );
  }
  for (const b of l.boxes.values()) {
    const isNow = b === now;
    const been = beenThrough.has(b.id);
    const cls = `pathway-chart-step${isNow ? ' current' : ''}${been ? ' visited' : ''}`;
    const stroke = isNow ? BLUE : been ? GREEN : GREY;
    const width = isNow ? 5 : been ? 2.5 : 1.2;
    const fill = isNow ? '#d2e2f1' : been ? '#cce2d8' : '#ffffff';
    const cx = b.x + b.w / 2;
    out.push(
      `<g class="${cls}" data-state="${b.id}"${isNow ? ' aria-current="step"' : ''}>`,
      `<rect x="${b.x}" y="${b.y}" width="${b.w}" height="${b.h}" rx="4" fill="${fill}" stroke="${stroke}" stroke-width="${width}"/>`,
      isNow
        ? `<text x="${cx}" y="${b.y + 17}" text-anchor="middle" font-size="14" font-weight="bold">${esc(b.label)}</text><text x="${cx}" y="${b.y + 33}" text-anchor="middle" font-size="12" font-weight="bold" fill="${BLUE}">You are here</text>`
        : `<text x="${cx}" y="${b.y + 25}" text-anchor="middle" font-size="14">${been ? '✓ ' : ''}${esc(b.label)}</text>`,
      '</g>',
    );
  }
  // The legend says what the marks mean in words, so that nothing rests on colour alone.
  const ly = l.height - 26;
  out.push(
    `<g class="pathway-chart-legend" font-size="13">`,
    `<rect x="56" y="${ly}" width="34" height="18" rx="3" fill="#d2e2f1" stroke="${BLUE}" stroke-width="4"/><text x="98" y="${ly + 14}">You are here</text>`,
    `<rect x="210" y="${ly}" width="34" height="18" rx="3" fill="#cce2d8" stroke="${GREEN}" stroke-width="2.5"/><text x="227" y="${ly + 14}" text-anchor="middle" font-size="12">✓</text><text x="252" y="${ly + 14}">Steps the school has been through</text>`,
    l.note ? `<text x="500" y="${ly + 14}">${esc(l.note)}</text>` : '',
    '</g></svg>',
  );
  return out.join('');
}

/**
 * An approval test of the rules (issue 15): fifteen generated school histories
 * (bench/histories.ts: seeded, primary and secondary, Readiness to
 * Sustaining, with moved sessions, replaced teachers, late evaluations and
 * the timers' own events) folded through `decide`, and for every event the
 * state it leaves and a digest of the effects it asks for (emails with their
 * recipients and data, timers, payments), compared with
 * test/fixtures/golden-effects.json. Any change to what the machine decides
 * shows as the first school and event that differ.
 *
 * A change that is meant: look at that event's effects (the test prints
 * them), then write the file again with `UPDATE_GOLDEN=1 npx vitest run
 * test/machines-golden.test.ts` and commit it with the change.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { schoolHistory } from '../bench/histories.js';
import { decide, initialState } from '../machines/decide.js';
import type { Effect } from '../machines/effects.js';
import { canonicalJson } from '../store/hash.js';

const FILE = fileURLToPath(new URL('./fixtures/golden-effects.json', import.meta.url));
const OPTIONS = { schools: 1000, years: 4, seed: 11 };
/** The first twelve schools, and three more whose histories hold a withdrawal (17), a deferral and its resumption (26), and an attendance check that found nothing recorded (59). */
const SCHOOLS = [...Array.from({ length: 12 }, (_, i) => i), 17, 26, 59];

/** A programme copied into an event or effect stands for its id: the catalogue is tested on its own. */
const slim = (v: unknown): unknown => JSON.parse(JSON.stringify(v, (k, x) => (k === 'programme' && x && typeof x === 'object' && 'id' in x ? `programme:${(x as { id: string }).id}` : x)));
const digest = (v: unknown) => createHash('sha256').update(canonicalJson(slim(v))).digest('hex').slice(0, 16);

interface GoldenSchool {
  urn: string;
  /** Per event: its type, the state after it, and the digest of its effects. */
  steps: [type: string, state: string, effects: string][];
  /** The digest of the school's final context. */
  final: string;
}

function run(): { golden: GoldenSchool[]; effects: Map<string, Effect[]> } {
  const golden: GoldenSchool[] = [];
  const effects = new Map<string, Effect[]>();
  for (const i of SCHOOLS) {
    const h = schoolHistory(i, OPTIONS);
    let s = initialState(h.urn);
    const steps: GoldenSchool['steps'] = [];
    h.events.forEach((r, n) => {
      const d = decide(s, r.event);
      s = d.snapshot;
      steps.push([r.event.type, `${d.summary.phase}/${d.summary.status}`, digest(d.effects)]);
      effects.set(`${h.urn}#${n + 1}`, d.effects);
    });
    golden.push({ urn: h.urn, steps, final: digest(s.context) });
  }
  return { golden, effects };
}

describe('the rules decide as approved (golden effects)', () => {
  it('gives every event of fifteen generated histories the approved state and effects', () => {
    const { golden, effects } = run();
    if (process.env.UPDATE_GOLDEN === '1') {
      writeFileSync(FILE, `${JSON.stringify(golden, null, 0).replace(/\],\[/g, '],\n[')}\n`);
      return;
    }
    const approved = JSON.parse(readFileSync(FILE, 'utf8')) as GoldenSchool[];
    expect(golden.map((g) => g.urn)).toEqual(approved.map((g) => g.urn));
    for (const [i, g] of golden.entries()) {
      const a = approved[i]!;
      const n = g.steps.findIndex((step, k) => JSON.stringify(step) !== JSON.stringify(a.steps[k]));
      if (n >= 0) {
        const shown = JSON.stringify(slim(effects.get(`${g.urn}#${n + 1}`)), null, 1).slice(0, 4000);
        expect.fail(`school ${g.urn}, event ${n + 1} (${g.steps[n]![0]}): approved ${JSON.stringify(a.steps[n])}, now ${JSON.stringify(g.steps[n])}; its effects now:\n${shown}`);
      }
      expect(g.steps.length, `school ${g.urn}: number of events`).toBe(a.steps.length);
      expect(g.final, `school ${g.urn}: the final context`).toBe(a.final);
    }
  });

  it('covers the steps that matter: emails, timers and grants of each phase', () => {
    const { golden } = run();
    const types = new Set(golden.flatMap((g) => g.steps.map((s) => s[0])));
    for (const t of ['APPLY', 'SELECTED', 'COMMITMENT_SIGNED', 'SCHEDULE_SET', 'ATTENDANCE_RECORDED', 'REMINDER_DUE', 'EVALUATION_SUBMITTED', 'ADVANCED', 'SESSION_MOVED', 'TEACHER_REPLACED', 'YEAR_ENDED', 'LEADER_ALLOCATED', 'ACTION_PLAN_CREATED', 'MASTERY_READY_JUDGED', 'WITHDRAWN', 'DEFERRED', 'RESUMED', 'SESSION_CHECK_DUE', 'EVALUATION_REMINDER_DUE']) {
      expect(types, t).toContain(t);
    }
    const states = new Set(golden.flatMap((g) => g.steps.map((s) => s[1].split('/')[0])));
    expect([...states].sort()).toEqual(expect.arrayContaining(['readiness', 'development', 'embedding', 'sustaining']));
  });
});

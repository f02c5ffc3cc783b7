/**
 * What-if bench (issue 11): the two what-if commands over every school the
 * durable simulation left in its database, beside reading and replaying the
 * same histories as recorded (what both must do at least once), measured in
 * the same run:
 *
 *  - `pathway whatif --rules`: a grant raised by £500 for every Development
 *    programme of the simulated years (so most schools' histories are folded
 *    twice, as recorded and as proposed);
 *  - `pathway whatif transition --from <last simulated year>`.
 *
 * Both run through service/ as the CLI runs them (openService, an admin).
 * Target: at most 3x the baseline (read once, fold as recorded, fold again).
 * Not pure.
 */
import { performance } from 'node:perf_hooks';
import { catalogue } from '../domain/catalogue/programmes.js';
import { openService } from '../service/open.js';
import type { Principal } from '../service/context.js';
import { listSchools } from '../service/schools.js';
import { parseProposal, replay, whatIf } from '../service/whatif.js';
import { whatIfTransition } from '../service/whatif-transition.js';
import { readStream } from '../store/event-log.js';
import { TARGET_EVENTS, fmt, log, type BenchOptions, type BenchRow } from './report.js';

const TARGET_RATIO = 3;
const BENCH_ADMIN: Principal = { id: 'bench', name: 'bench', role: 'admin', hubs: [] };

/** Runs both what-ifs over the database at `url` (filled by the durable bench). */
export async function benchWhatIf(opts: BenchOptions, url: string): Promise<{ rows: BenchRow[] }> {
  const opened = await openService({ db: url });
  try {
    const svc = opened.service;
    const schools = await listSchools(svc, BENCH_ADMIN);
    const years = [...new Set(schools.map((s) => s.academicYear).filter((y): y is string => typeof y === 'string'))].sort();
    if (schools.length === 0 || years.length === 0) throw new Error('the durable simulation left no schools to replay');

    // Baseline: every school's history read and replayed as recorded, once; timed on the second of two passes so
    // that it is not the only figure paying for a cold JIT and cold database caches.
    let started = 0;
    let events = 0;
    for (let pass = 0; pass < 2; pass++) {
      started = performance.now();
      events = 0;
      for (const s of schools) {
        const stored = await readStream(svc.db, s.urn);
        events += stored.length;
        replay(s.urn, stored, (e) => e);
      }
    }
    const baselineMs = performance.now() - started;
    log(`whatif: baseline read and replayed ${schools.length.toLocaleString('en-GB')} schools (${events.toLocaleString('en-GB')} events) in ${fmt(baselineMs / 1000)} s`);

    const development = catalogue.filter((p) => p.phase === 'development' && years.includes(p.academicYear) && p.funding);
    const proposal = parseProposal({
      description: 'every simulated Development grant raised by £500',
      changes: development.map((p) => ({ programme: p.id, set: { funding: { amountPence: (p.funding?.amountPence ?? 0) + 50_000 } } })),
    });
    started = performance.now();
    const rules = await whatIf(svc, BENCH_ADMIN, proposal);
    const rulesMs = performance.now() - started;
    log(`whatif --rules: ${rules.schoolsChanged.toLocaleString('en-GB')} of ${rules.schools.toLocaleString('en-GB')} schools would change, in ${fmt(rulesMs / 1000)} s`);

    const from = years[years.length - 1]!;
    started = performance.now();
    const transition = await whatIfTransition(svc, BENCH_ADMIN, { from });
    const transitionMs = performance.now() - started;
    log(`whatif transition --from ${from}: ${transition.inCohort.toLocaleString('en-GB')} in the cohort, ${transition.wouldMove.toLocaleString('en-GB')} would move, in ${fmt(transitionMs / 1000)} s`);

    const judge = (ok: boolean) => (opts.quick ? null : ok);
    const baseline = { label: 'read + replay as recorded, every school', value: baselineMs / 1000, unit: 's' };
    const perMillion = (ms: number) => `${fmt((ms / events) * TARGET_EVENTS / 1000)} s projected at 6M events`;
    return {
      rows: [
        {
          bench: 'whatif',
          name: `whatif --rules: ${development.length} Development grants +£500`,
          figure: { label: 'what-if time', value: rulesMs / 1000, unit: 's' },
          baseline,
          ratio: { value: rulesMs / baselineMs, meaning: 'of the replay as recorded' },
          target: `<= ${TARGET_RATIO}x the replay as recorded`,
          met: judge(rulesMs / baselineMs <= TARGET_RATIO),
          note: `${rules.schools.toLocaleString('en-GB')} schools, ${rules.events.toLocaleString('en-GB')} events, ${rules.schoolsChanged.toLocaleString('en-GB')} would change (${rules.counts.payment.toLocaleString('en-GB')} payment rows); ${perMillion(rulesMs)}`,
        },
        {
          bench: 'whatif',
          name: `whatif transition --from ${from}`,
          figure: { label: 'what-if time', value: transitionMs / 1000, unit: 's' },
          baseline,
          ratio: { value: transitionMs / baselineMs, meaning: 'of the replay as recorded' },
          target: `<= ${TARGET_RATIO}x the replay as recorded`,
          met: judge(transitionMs / baselineMs <= TARGET_RATIO),
          note: `${transition.inCohort.toLocaleString('en-GB')} schools in the cohort, ${transition.wouldMove.toLocaleString('en-GB')} would move, ${transition.cannotMove.length.toLocaleString('en-GB')} could not; ${perMillion(transitionMs)}`,
        },
      ],
    };
  } finally {
    await opened.close();
  }
}

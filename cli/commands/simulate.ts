/**
 * `pathway simulate --schools N --years Y --seed S [--start 2018/19] [--hub H]
 * [--mail mailbox|none] [--json]`: runs a realistic Maths Hub through the embedded engine on a
 * simulated clock (see host/simulate.ts): a progress bar on stderr (plain
 * progress lines when stderr is not a terminal), then a summary: schools per
 * phase per academic year, money paid (funding ledger), reminders and
 * escalations sent (sent_messages), events recorded. Run it again with the
 * same options on the same database to resume an interrupted run. Mail goes
 * to the mailbox folder beside the database (or SMTP_URL); `--mail none`
 * keeps no copy (the default above 100 schools, where a mailbox would hold
 * tens of thousands of files).
 */
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { SimulatedClock } from '../../host/clock.js';
import { simulateHub, checkSimulationOptions, keepsMailbox, MAILBOX_LIMIT, SIMULATION_DISPATCH, SimulationMismatchError, type SimulationProgress, type SimulationSummary } from '../../host/simulate.js';
import { ValidationError } from '../../domain/errors.js';
import { withEmbeddedEngine } from '../engine.js';
import { cliConfig } from '../context.js';
import { createMailer, defaultMailboxDir, noMailer, type Mailer } from '../../activities/mail/mailer.js';
import { UsageError } from '../exit.js';
import { renderTable } from '../table.js';
import { pounds } from '../../domain/catalogue/describe.js';

const n = (x: number) => x.toLocaleString('en-GB');

/** The summary as tables for a person. Pure. */
export function renderSimulation(s: SimulationSummary): string {
  const out: string[] = [];
  out.push(`Simulated ${s.hub} Maths Hub (seed ${s.seed}): ${n(s.schools.total)} schools (${n(s.schools.primary)} primary, ${n(s.schools.secondary)} secondary), ${s.years[0]} to ${s.years[s.years.length - 1]}`);
  out.push('', 'Schools per phase per academic year');
  out.push(renderTable(['year', 'phase', 'schools', 'completed', 'withdrawn', 'deferred', 'declined', 'open or overdue'], s.phases.map((r) => [r.academicYear, r.phase, n(r.schools), n(r.completed), n(r.withdrawn), n(r.deferred), n(r.declined), n(r.open)])));
  out.push('', 'Money paid (funding ledger)');
  out.push(
    s.money.length
      ? renderTable(['year', 'programme', 'payments', 'amount'], [...s.money.map((m) => [m.academicYear, m.programmeId, n(m.payments), pounds(m.pence)]), ['total', '', n(s.money.reduce((a, m) => a + m.payments, 0)), pounds(s.moneyTotalPence)]])
      : 'none',
  );
  out.push('', 'Messages sent (sent_messages)');
  out.push(renderTable(['kind', 'messages'], [['reminders', n(s.messages.reminders)], ['escalations', n(s.messages.escalations)], ['confirmations', n(s.messages.confirmations)], ['total', n(s.messages.total)]]));
  out.push(`  by template: ${Object.entries(s.messages.byTemplate).map(([t, c]) => `${t} ${n(c)}`).join(', ')}`);
  out.push(`  not sent because they came too late: ${n(s.messages.skipped)}`);
  out.push(`  mail went to: ${s.mail}`);
  out.push('', `Events recorded: ${n(s.events.total)} (${n(s.events.byHub)} by hub staff, ${n(s.events.byTimer)} by timers)`);
  const secs = s.run.elapsedMs / 1000;
  const done = s.run.sent + s.run.timersFired;
  out.push(
    `This run: ${n(s.run.sent)} hub events and ${n(s.run.timersFired)} timers in ${secs.toFixed(1)} s (${n(Math.round(done / Math.max(secs, 0.001)))} events/s), ${n(s.run.effectsDone)} effects carried out` +
      `${s.run.effectsFailed ? `, ${n(s.run.effectsFailed)} failed attempts` : ''}${s.run.resumedFrom ? `; resumed from ${s.run.resumedFrom}` : ''}`,
  );
  if (s.run.rejected) out.push(`Refused by the rules: ${n(s.run.rejected)} events, e.g.:`, ...s.run.rejections.map((r) => `  ${r}`));
  return out.join('\n');
}

function wholeNumber(option: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^-?\d+$/.test(value.trim())) throw new UsageError(`${option} must be a whole number, not ${JSON.stringify(value)}`);
  return Number(value);
}

/** Progress on stderr: a bar on a terminal, a line every 5% otherwise. */
function progressReporter(): { update(p: SimulationProgress): void; stop(): void } {
  if (process.stderr.isTTY) {
    const bar = new cliProgress.SingleBar(
      { stream: process.stderr, format: 'simulating [{bar}] {percentage}% | {day} | {events} events, {timers} timers | ETA {eta_formatted}', hideCursor: true, etaBuffer: 50 },
      cliProgress.Presets.shades_classic,
    );
    let started = false;
    return {
      update(p) {
        if (!started) {
          bar.start(p.daysTotal, 0, { day: p.day, events: 0, timers: 0 });
          started = true;
        }
        bar.update(p.daysDone, { day: p.day, events: n(p.events), timers: n(p.timersFired) });
      },
      stop: () => (started ? bar.stop() : undefined),
    };
  }
  let lastStep = -1;
  return {
    update(p) {
      const step = Math.floor((p.daysDone / p.daysTotal) * 20);
      if (step === lastStep) return;
      lastStep = step;
      process.stderr.write(`simulate: ${String(Math.round((p.daysDone / p.daysTotal) * 100)).padStart(3)}% simulated to ${p.day}: ${n(p.events)} hub events, ${n(p.timersFired)} timers\n`);
    },
    stop: () => undefined,
  };
}

export { MAILBOX_LIMIT };

/** The mailer `--mail` asks for: "none" keeps no copy; "mailbox" (or SMTP_URL) keeps them; by default none above MAILBOX_LIMIT schools. Reads the environment. */
export function simulationMailer(mail: string | undefined, schools: number, dbTarget: string): Mailer {
  const choice = mail ?? (keepsMailbox(schools) ? 'mailbox' : 'none');
  if (choice === 'none') return noMailer();
  if (choice === 'mailbox') return createMailer({ mailboxDir: defaultMailboxDir(dbTarget) });
  throw new UsageError(`--mail must be "mailbox" or "none", not ${JSON.stringify(mail)}`);
}

/** Adds the `simulate` command. */
export function register(program: Command): void {
  program
    .command('simulate')
    .description('Run a realistic Maths Hub through the embedded engine on a simulated clock and print a summary; the same options on the same database resume an interrupted run')
    .requiredOption('--schools <n>', 'how many schools (1 to 99999)')
    .requiredOption('--years <n>', 'how many academic years (1 to 9)')
    .option('--seed <n>', 'PRNG seed: the same seed plans the same hub', '1')
    .option('--start <year>', 'first academic year', '2018/19')
    .option('--hub <hub>', 'the Maths Hub, by id or name (default: chosen by the seed)')
    .option('--batch <n>', 'events sent per transaction', '500')
    .option('--mail <where>', `"mailbox": keep each email in the mailbox folder beside the database (or send over SMTP_URL); "none": keep no copy (default above ${MAILBOX_LIMIT} schools)`)
    .option('--json', 'print the summary as JSON')
    .action(async (o: { schools: string; years: string; seed: string; start: string; hub?: string; batch: string; mail?: string; json?: boolean }, command: Command) => {
      const schools = wholeNumber('--schools', o.schools)!;
      const years = wholeNumber('--years', o.years)!;
      const seed = wholeNumber('--seed', o.seed)!;
      const batchSize = wholeNumber('--batch', o.batch)!;
      if (batchSize < 1) throw new UsageError(`--batch must be at least 1, not ${batchSize}`);
      try {
        checkSimulationOptions({ schools, years, seed, start: o.start });
      } catch (err) {
        if (!(err instanceof ValidationError)) throw err;
        throw new UsageError(err.problems.map((p) => `--${p.path} ${p.message} (got ${JSON.stringify(p.value)})`).join('; '));
      }
      const mailer = simulationMailer(o.mail, schools, cliConfig().db);
      const clock = new SimulatedClock('1970-01-01T00:00:00Z');
      const progress = progressReporter();
      // The simulation carries out effects once a simulated day, not after every event.
      const summary = await withEmbeddedEngine(command, { clock, dispatch: SIMULATION_DISPATCH, mailer, longRunning: true }, (engine) =>
        simulateHub({ engine, schools, years, seed, start: o.start, ...(o.hub ? { hub: o.hub } : {}), batchSize, onProgress: (p) => progress.update(p) })
          .catch((err: unknown) => {
            throw err instanceof SimulationMismatchError ? new UsageError(err.message) : err;
          })
          .finally(() => progress.stop()),
      );
      process.stdout.write(o.json ? `${JSON.stringify(summary, null, 2)}\n` : `${renderSimulation(summary)}\n`);
    });
}

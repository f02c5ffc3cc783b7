/**
 * `pathway tick --until DATE [--json]`: moves a simulated clock forward to
 * DATE (the end of that London day, or an ISO instant), firing every timer
 * the machines set that falls due on the way, earliest first (reminders,
 * attendance checks, evaluation reminders, year ends), and carrying out what
 * they ask (emails to the mailbox, escalations). Prints how many timers fired
 * and how many effects were carried out. Embedded engine only.
 */
import type { Command } from 'commander';
import { SimulatedClock } from '../../host/clock.js';
import { withEmbeddedEngine } from '../engine.js';
import { UsageError } from '../exit.js';
import { historyAt } from './history.js';
import { londonWhen } from '../render.js';

/** Adds the `tick` command. */
export function register(program: Command): void {
  program
    .command('tick')
    .description('Fire every timer due up to DATE, in order, on a simulated clock; prints how many fired and the effects carried out')
    .requiredOption('--until <date>', 'a date (the end of that London day) or an ISO instant with offset')
    .option('--json', 'print {fired, effects: {done, failed}, until} as JSON')
    .action(async (options: { until: string; json?: boolean }, command: Command) => {
      let until: string;
      try {
        until = historyAt(options.until)!;
      } catch (err) {
        throw new UsageError((err as Error).message.replace('--at', '--until'));
      }
      // The clock starts at the epoch and jumps to each timer as it fires, so effects are dated in school time.
      const clock = new SimulatedClock('1970-01-01T00:00:00Z');
      await withEmbeddedEngine(command, { clock }, async (engine) => {
        const r = await engine.tick(until);
        if (options.json) {
          process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
          return;
        }
        const next = await engine.nextDueAt();
        process.stdout.write(
          `fired ${r.fired} timer${r.fired === 1 ? '' : 's'} due up to ${londonWhen(r.until)} (London); effects carried out: ${r.effects.done}${r.effects.failed ? `, ${r.effects.failed} failed (they will be retried)` : ''}\n` +
            `next timer: ${next ? londonWhen(next) : 'none pending'}\n`,
        );
      });
    });
}

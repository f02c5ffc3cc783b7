/**
 * `pathway effects [--pending|--failed] [--urn U] [--hub H] [--json]`: what
 * the outbox has not carried out yet (grant payments, emails, evaluation
 * requests), each with its error and when it is next tried. Exit 0 whether
 * or not there are any. The service is imported when the command runs, so
 * the CLI starts fast.
 */
import type { Command } from 'commander';
import { UsageError } from '../exit.js';
import { withService } from '../support.js';
import { renderTable } from '../table.js';
import type { EffectView } from '../../service/effects.js';

/** The outstanding effects as a table for a person. Pure. */
export function renderEffects(effects: EffectView[]): string {
  if (effects.length === 0) return 'No effects outstanding: every payment, email and evaluation request has been carried out.';
  const table = renderTable(
    ['urn', 'effect', 'state', 'attempts', 'due (school time)', 'next try / error', 'key'],
    effects.map((e) => [
      e.urn,
      e.describes ? `${e.type}: ${e.describes}` : e.type,
      e.state,
      String(e.attempts),
      e.dueAt,
      e.state === 'retrying' ? `${e.retryAt}${e.lastError ? `: ${e.lastError}` : ''}` : e.state === 'claimed' ? `held by ${e.claimedBy} until ${e.claimedUntil}` : e.lastError ?? (e.state === 'due' ? 'at the next tick or write' : '-'),
      e.key,
    ]),
  );
  const pending = effects.filter((e) => e.status === 'pending').length;
  const failed = effects.length - pending;
  return `${table}\n${pending} pending, ${failed} failed.`;
}

/** Registers `effects`. Not pure. */
export function register(program: Command): void {
  program
    .command('effects')
    .description('Effects not carried out yet (payments, emails, evaluation requests), with their error and next try')
    .option('--pending', 'only those still to be carried out')
    .option('--failed', 'only those given up on')
    .option('--urn <urn>', 'one school')
    .option('--hub <hub>', 'hub id or name')
    .option('--json', 'print JSON')
    .action(async (o: { pending?: boolean; failed?: boolean; urn?: string; hub?: string; json?: boolean }, cmd: Command) => {
      if (o.pending && o.failed) throw new UsageError('choose one of --pending and --failed (neither lists both)');
      if (o.urn !== undefined && !/^\d{6}$/.test(o.urn)) throw new UsageError(`--urn must be a school URN of 6 digits, like 100001 (got ${JSON.stringify(o.urn)})`);
      const { listEffects } = await import('../../service/effects.js');
      await withService(cmd, async (svc, op) => {
        const effects = await listEffects(svc, op, { ...(o.pending ? { status: 'pending' as const } : {}), ...(o.failed ? { status: 'failed' as const } : {}), ...(o.urn ? { urn: o.urn } : {}), ...(o.hub ? { hub: o.hub } : {}) });
        process.stdout.write(o.json ? `${JSON.stringify({ count: effects.length, effects }, null, 2)}\n` : `${renderEffects(effects)}\n`);
      }, { readOnly: true });
    });
}

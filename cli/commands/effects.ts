/**
 * `pathway effects [--pending|--failed] [--urn U] [--hub H] [--json]`: what
 * the outbox has not carried out yet (grant payments, emails, evaluation
 * requests), each with its error and when it is next tried. Exit 0 whether
 * or not there are any. `pathway effects retry <key>`: one that failed, or
 * waits to retry, tried again now (service/effects.ts retryEffect, as the
 * outbox page's "Try again now"). The service is imported when the command
 * runs, so the CLI starts fast.
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

/** A retry's outcome in one line. Pure. */
export function renderRetried(r: { key: string; outcome: string; error: string | null; note: string | null }): string {
  switch (r.outcome) {
    case 'sent':
      return `${r.key}: carried out now`;
    case 'not-sent':
      return `${r.key}: carried out, not sent${r.note ? ` (${r.note})` : ''}`;
    case 'failed':
      return `${r.key}: tried again and failed${r.error ? `: ${r.error}` : ''}`;
    case 'queued':
      return `${r.key}: due again now; the host carries it out`;
    case 'already-done':
      return `${r.key}: already carried out; nothing done`;
    default:
      return `${r.key}: being carried out by a host now; nothing done`;
  }
}

/** Registers `effects` (the listing, by default) and `effects retry`. Not pure. */
export function register(program: Command): void {
  const effects = program.command('effects').description('Effects not carried out yet (payments, emails, evaluation requests), with their error and next try; retry one');
  // The listing is the default subcommand, so `pathway effects --failed` lists, as before `retry` was added.
  effects
    .command('list', { isDefault: true })
    .description('Effects not carried out yet, with their error and next try (the default: pathway effects --failed)')
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

  effects
    .command('retry')
    .description('Try an effect that failed, or waits to retry, again now (its key from pathway effects); asking twice does it once')
    .argument('<key>', 'the effect\'s key (the last column of pathway effects)')
    .option('--json', 'print the outcome as JSON')
    .action(async (key: string, o: { json?: boolean }, cmd: Command) => {
      const { retryEffect } = await import('../../service/effects.js');
      await withService(cmd, async (svc, op) => {
        const r = await retryEffect(svc, op, key);
        process.stdout.write(o.json ? `${JSON.stringify(r, null, 2)}\n` : `${renderRetried(r)}\n`);
      });
    });
}

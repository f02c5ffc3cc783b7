/**
 * `pathway verify [urns...] [--all] [--since N] [--checkpoint FILE] [--public-key FILE] [--replay] [--json]`:
 * checks every school's hash chain, the funding ledger's chain, and that the
 * log extends the last signed checkpoint (or checkpoint N, or a checkpoint an
 * auditor exported and kept: `pathway checkpoint --export`); with --replay,
 * that every school's events folded through the rules again give the states
 * the database keeps for it (store/replay.ts). Each finding
 * names the school, the version or ledger row, and what is wrong. Exit 0
 * clean, 1 with findings, 2 for bad input. A school found broken is stopped
 * until an admin signs it off (`pathway audit sign-off`).
 *
 * The service is imported when the command runs, so the CLI starts fast.
 */
import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../exit.js';
import { cliTarget, wholeNumber, withService } from '../support.js';
import { renderTable } from './programmes.js';
import type { VerifyReport } from '../../service/verify.js';
import type { ExportedCheckpoint } from '../../store/checkpoints.js';

/** The report for a person: what was checked, then each finding, then what could not be checked. Pure. */
export function renderVerifyReport(r: VerifyReport): string {
  const scope = r.scope.schools === 'all' ? `${r.checked.schools} school${r.checked.schools === 1 ? '' : 's'}` : `school${r.scope.schools.length === 1 ? '' : 's'} ${r.scope.schools.join(', ')}`;
  const how = r.scope.since !== null ? `, each after the version checkpoint ${r.scope.since} signed` : ', each from version 1';
  const against = r.checkpoint
    ? ` against checkpoint ${r.checkpoint.id} of ${r.checkpoint.createdAt} (${r.checkpoint.source === 'file' ? `exported, ${r.scope.checkpointFile}` : 'in the database'}; signature ${r.checkpoint.signature})`
    : ' (no checkpoint to compare with)';
  const replayed = r.checked.replayed === null ? '' : `; replayed ${r.checked.replayed.toLocaleString('en-GB')} event${r.checked.replayed === 1 ? '' : 's'} through the rules and compared every state kept`;
  const lines = [`Verified ${scope}${how}, and ${r.checked.ledgerRows} ledger row${r.checked.ledgerRows === 1 ? '' : 's'}${against}${replayed}, in ${(r.elapsedMs / 1000).toFixed(2)} s.`];
  if (r.clean) lines.push(`Clean: every event and ledger row is as recorded, and the log extends what was signed${r.checked.replayed === null ? '' : '; every state kept is what the events give'}.`);
  else {
    lines.push(`${r.findings.length} finding${r.findings.length === 1 ? '' : 's'}:`, '');
    lines.push(renderTable(['check', 'school', 'version', 'ledger row', 'what is wrong'], r.findings.map((f) => [f.check, f.school ?? '-', f.version === null ? '-' : String(f.version), f.ledgerRow === null ? '-' : String(f.ledgerRow), f.what])));
  }
  for (const n of r.notes) lines.push(`Note: ${n}`);
  return lines.join('\n');
}

/** An exported checkpoint file and the public key to check it with (--public-key, else <file>.pub.pem beside it, else the key in the file). Reads files; UsageError naming the file and the rule. */
export async function readExport(file: string, publicKeyFile: string | undefined): Promise<{ content: ExportedCheckpoint; publicKeyPem: string; keyFrom: string }> {
  let content: ExportedCheckpoint;
  try {
    content = JSON.parse(readFileSync(file, 'utf8')) as ExportedCheckpoint;
  } catch (err) {
    throw new UsageError(`--checkpoint ${file} must be a checkpoint file written by pathway checkpoint --export: ${err instanceof Error ? err.message : String(err)}`);
  }
  const c = content?.checkpoint;
  const valid = content?.format === 'pathway-checkpoint/1' && c && Number.isInteger(c.id) && typeof c.root === 'string' && typeof c.signature === 'string' && Array.isArray(c.heads?.streams) && c.heads?.ledger && typeof c.createdAt === 'string';
  if (!valid) throw new UsageError(`--checkpoint ${file} must be a checkpoint file written by pathway checkpoint --export (format pathway-checkpoint/1 with checkpoint.id, root, signature, heads and createdAt)`);
  const beside = `${file}.pub.pem`;
  const from = publicKeyFile ?? (existsSync(beside) ? beside : undefined);
  if (from !== undefined) {
    try {
      return { content, publicKeyPem: readFileSync(from, 'utf8'), keyFrom: from };
    } catch (err) {
      throw new UsageError(`--public-key ${from} cannot be read: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  if (typeof content.publicKey !== 'string') throw new UsageError(`--checkpoint ${file} holds no public key and none is beside it (${beside}): give --public-key FILE`);
  return { content, publicKeyPem: content.publicKey, keyFrom: `${file} (the key in the file: keep a copy elsewhere, or give --public-key)` };
}

/**
 * The replay check's progress on stderr, when it is a terminal and the
 * output is not JSON: a line rewritten about once a second. Not pure.
 */
function replayProgress(json: boolean): ((events: number, total: number) => void) | undefined {
  if (json || !process.stderr.isTTY) return undefined;
  let shown = 0;
  return (events, total) => {
    const now = performance.now();
    if (now - shown < 1000 && events < total) return;
    shown = now;
    process.stderr.write(`\rReplaying: ${events.toLocaleString('en-GB')} of ${total.toLocaleString('en-GB')} events${events >= total ? '\n' : ''}`);
  };
}

/** Registers `verify`. Not pure. */
export function register(program: Command): void {
  program
    .command('verify')
    .description('Check every school\'s hash chain, the funding ledger, and that the log extends the last signed checkpoint (exit 1 with findings)')
    .argument('[urns...]', 'only these schools (default: every school)')
    .option('--all', 'every school (the default when no URN is given)')
    .option('--since <checkpoint>', 'compare with checkpoint N, and check each chain only after the version it signed')
    .option('--checkpoint <file>', 'compare with a checkpoint exported by pathway checkpoint --export')
    .option('--public-key <file>', 'with --checkpoint: the public key to trust (default: <file>.pub.pem beside it, else the key in the file)')
    .option('--replay', 'also fold every school\'s events through the rules again and compare each state kept (snapshots, current state); reads the whole log once more')
    .option('--json', 'print JSON')
    .action(async (urns: string[], o: { all?: boolean; since?: string; checkpoint?: string; publicKey?: string; replay?: boolean; json?: boolean }, cmd: Command) => {
      if (o.all && urns.length > 0) throw new UsageError(`choose --all or school URNs (${urns.join(', ')}), not both`);
      for (const u of urns) if (!/^\d{6}$/.test(u)) throw new UsageError(`urn must be a school URN of exactly 6 digits (got ${JSON.stringify(u)})`);
      const since = wholeNumber('--since', o.since, 1);
      if (since !== undefined && o.checkpoint) throw new UsageError('choose --since (a checkpoint in the database) or --checkpoint (an exported one), not both');
      if (o.publicKey && !o.checkpoint) throw new UsageError('--public-key goes with --checkpoint FILE');
      const exported = o.checkpoint ? await readExport(o.checkpoint, o.publicKey) : undefined;
      const { parsePublicKey, SigningKeyError } = await import('../../store/checkpoints.js');
      let publicKey;
      try {
        publicKey = exported ? parsePublicKey(exported.publicKeyPem, exported.keyFrom) : undefined;
      } catch (err) {
        if (err instanceof SigningKeyError) throw new UsageError(err.message);
        throw err;
      }
      const { configuredSigningKey, verifyFor } = await import('../../service/verify.js');
      const { key, file } = await configuredSigningKey(cliTarget(cmd), false);
      await withService(
        cmd,
        async (svc, op) => {
          const report = await verifyFor(svc, op, {
            ...(urns.length > 0 ? { urns } : {}),
            ...(since !== undefined ? { since } : {}),
            ...(exported && publicKey ? { exported: { file: o.checkpoint!, content: exported.content, publicKey } } : {}),
            key,
            keyFile: file,
            ...(o.replay ? { replay: true, onReplayProgress: replayProgress(o.json === true) } : {}),
          });
          if (o.json) process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
          else process.stdout.write(`${renderVerifyReport(report)}\n`);
          if (!report.clean) process.exitCode = 1;
        },
        { readOnly: true },
      );
    });
}

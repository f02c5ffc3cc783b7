/**
 * `pathway checkpoint [--force] [--export FILE] [--list] [--json]`: signs
 * today's heads (every school's latest event and the ledger's last row, an
 * RFC 9162 Merkle root, Ed25519) into the checkpoints table, after checking
 * everything added since the last checkpoint (a forgery is never signed:
 * exit 1 with the findings). --export writes that checkpoint and the public
 * key as JSON (and the key beside it, FILE.pub.pem) for an auditor to keep
 * outside the system; `pathway verify --checkpoint FILE` later proves the
 * log extends it. The key is created (0600) on first use.
 *
 * The service is imported when the command runs, so the CLI starts fast.
 */
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UsageError } from '../exit.js';
import { cliTarget, withService } from '../support.js';
import { renderTable } from './programmes.js';
import { renderVerifyReport } from './verify.js';

/** Registers `checkpoint`. Not pure. */
export function register(program: Command): void {
  program
    .command('checkpoint')
    .description('Sign a checkpoint of every school\'s head and the ledger now (after checking what was added since the last); --export it for an auditor')
    .option('--force', 'sign a new checkpoint even when nothing changed since the last')
    .option('--export <file>', 'also write the checkpoint and the public key as JSON to FILE (and the key to FILE.pub.pem)')
    .option('--list', 'list the checkpoints instead, newest first')
    .option('--json', 'print JSON')
    .action(async (o: { force?: boolean; export?: string; list?: boolean; json?: boolean }, cmd: Command) => {
      if (o.list && (o.force || o.export)) throw new UsageError('--list shows the checkpoints; it does not go with --force or --export');
      const { configuredSigningKey, checkpointNow } = await import('../../service/verify.js');
      const { exportCheckpoint, SigningKeyError } = await import('../../store/checkpoints.js');
      await withService(
        cmd,
        async (svc) => {
          if (o.list) {
            const rows = (await svc.db.query<{ id: number | string; created_at: string; tree_size: number; root: string; key_id: string }>('SELECT id, created_at, tree_size, root, key_id FROM checkpoints ORDER BY id DESC LIMIT 200')).rows;
            if (o.json) process.stdout.write(`${JSON.stringify(rows.map((r) => ({ id: Number(r.id), createdAt: r.created_at, treeSize: r.tree_size, root: r.root, keyId: r.key_id })), null, 2)}\n`);
            else process.stdout.write(rows.length ? `${renderTable(['id', 'created', 'leaves', 'root', 'key'], rows.map((r) => [String(r.id), r.created_at, String(r.tree_size), `${r.root.slice(0, 16)}...`, `${r.key_id.slice(0, 12)}...`]))}\n` : 'No checkpoint has been written yet (pathway checkpoint writes one).\n');
            return;
          }
          let signing;
          try {
            signing = await configuredSigningKey(cliTarget(cmd), true);
          } catch (err) {
            if (err instanceof SigningKeyError) throw new UsageError(err.message);
            throw err;
          }
          const key = signing.key!;
          if (signing.created) process.stderr.write(`Created the checkpoint signing key ${signing.file} (mode 0600). Keep a copy of its public key outside this system (pathway checkpoint --export).\n`);
          const r = await checkpointNow(svc.db, key, { force: o.force === true });
          if (!r.checkpoint) {
            if (o.json) process.stdout.write(`${JSON.stringify({ signed: false, report: r.report }, null, 2)}\n`);
            else process.stdout.write(`Not signed: the log changed in ways it may not since the last checkpoint.\n${renderVerifyReport(r.report)}\n`);
            process.exitCode = 1;
            return;
          }
          const c = r.checkpoint;
          if (o.export) {
            const content = exportCheckpoint(c, key);
            try {
              writeFileSync(o.export, `${JSON.stringify(content, null, 2)}\n`);
              writeFileSync(`${o.export}.pub.pem`, key.publicPem);
            } catch (err) {
              throw new UsageError(`--export ${o.export} cannot be written: ${err instanceof Error ? err.message : String(err)}`);
            }
          }
          if (o.json) process.stdout.write(`${JSON.stringify({ signed: true, written: r.written, checkpoint: { id: c.id, createdAt: c.createdAt, treeSize: c.treeSize, root: c.root, keyId: c.keyId }, exported: o.export ?? null }, null, 2)}\n`);
          else {
            process.stdout.write(
              `${r.written ? 'Signed' : 'Nothing changed since'} checkpoint ${c.id} (${c.createdAt}): ${c.heads.streams.length} school${c.heads.streams.length === 1 ? '' : 's'} and ${c.heads.ledger.rows} ledger row${c.heads.ledger.rows === 1 ? '' : 's'}, root ${c.root}, key ${c.keyId.slice(0, 16)}... (${signing.file}).\n` +
                (o.export ? `Exported to ${o.export} (public key also in ${o.export}.pub.pem): keep them outside this system; pathway verify --checkpoint ${o.export} proves the log still extends it.\n` : ''),
            );
          }
        },
        { readOnly: !!o.list },
      );
    });
}

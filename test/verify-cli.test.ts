/**
 * `pathway checkpoint` and `pathway verify` at the command line, on a PGlite
 * folder: the key is made beside the folder with mode 0600 on first use; a
 * clean log exits 0; an exported checkpoint (with its public key beside it)
 * is proved extended by a log that grew since; a copy whose heads were
 * edited is refused (its signature); a truncated tail exits 1 naming the
 * school and version, against the database's checkpoint and the exported
 * one; `--replay` folds every event again and says so; bad input exits 2
 * naming the option and the rule.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { programmeFor } from '../domain/catalogue/programmes.js';
import { openStore } from '../store/index.js';
import { createEmbeddedEngine } from '../host/embedded.js';
import { SimulatedClock } from '../host/clock.js';

const trg = programmeFor('primary', 'trg', '2018/19')!;

/** Opens the folder in this process (PGlite lets one process hold it), runs `fn`, closes it. */
async function withFolder(folder: string, fn: (send: (urn: string) => Promise<void>, sql: (q: string, p?: unknown[]) => Promise<void>) => Promise<void>): Promise<void> {
  const store = await openStore(folder);
  const mailbox = mkdtempSync(join(tmpdir(), 'pathway-verify-cli-mail-'));
  const engine = await createEmbeddedEngine({ store, clock: new SimulatedClock('2019-01-01T00:00:00Z'), mailbox });
  try {
    await fn(
      async (urn) => {
        await engine.sendMany([
          { urn, actor: 'ops', event: { type: 'APPLY', at: '2019-02-20T12:00:00Z', programme: trg, school: { name: `School ${urn}`, route: 'primary', hub: 'Cambridge', headteacher: { name: 'H', email: `h@${urn}.example` } }, teachers: [{ name: 'A', email: `a@${urn}.example`, role: 'mathsLead' }, { name: 'B', email: `b@${urn}.example`, role: 'teacher' }] } },
          { urn, actor: 'ops', event: { type: 'ELIGIBILITY_ASSESSED', at: '2019-03-10T12:00:00Z', eligible: true } },
          { urn, actor: 'ops', event: { type: 'SELECTED', at: '2019-03-22T12:00:00Z', groupId: 'g1', groupSize: 3 } },
        ]);
      },
      async (q, p = []) => {
        await store.db.query(q, p);
      },
    );
  } finally {
    await engine.close();
    await store.close();
    rmSync(mailbox, { recursive: true, force: true });
  }
}

describe('pathway checkpoint and pathway verify on a PGlite folder', () => {
  let dir: string;
  let folder: string;
  let exported: string;
  const run = (...args: string[]) => {
    const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1' };
    delete env.PATHWAY_SIGNING_KEY_FILE;
    delete env.PATHWAY_SIGNING_KEY;
    delete env.DATABASE_URL;
    return spawnSync(process.execPath, ['bin/pathway.mjs', '--db', folder, ...args], { encoding: 'utf8', timeout: 180_000, env });
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pathway-verify-cli-'));
    folder = join(dir, 'hub');
    exported = join(dir, 'checkpoint-1.json');
    await withFolder(folder, async (send) => {
      await send('520001');
      await send('520002');
    });
  }, 180_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('verifies a clean log (exit 0), then signs and exports a checkpoint with a key made 0600 beside the folder', { timeout: 300_000 }, () => {
    const clean = run('verify', '--all');
    expect(clean.stderr).toBe('');
    expect(clean.status).toBe(0);
    expect(clean.stdout).toMatch(/^Verified 2 schools, each from version 1, and 0 ledger rows \(no checkpoint to compare with\)/);
    expect(clean.stdout).toMatch(/Clean: every event and ledger row is as recorded/);
    // --replay folds the six events again and compares each school's current state with them.
    const replayed = run('verify', '--replay');
    expect(replayed.stderr).toBe('');
    expect(replayed.status).toBe(0);
    expect(replayed.stdout).toMatch(/^Verified 2 schools, .*; replayed 6 events through the rules and compared every state kept, in [\d.]+ s\./);
    expect(replayed.stdout).toMatch(/every state kept is what the events give\.$/m);
    const cp = run('checkpoint', '--export', exported);
    expect(cp.status).toBe(0);
    expect(cp.stdout).toMatch(/^Signed checkpoint 1 \(.*\): 2 schools and 0 ledger rows, root [0-9a-f]{64}/);
    expect(cp.stderr).toMatch(/Created the checkpoint signing key .*hub\.signing-key\.pem \(mode 0600\)/);
    const keyFile = join(dir, 'hub.signing-key.pem');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const file = JSON.parse(readFileSync(exported, 'utf8'));
    expect(file).toMatchObject({ format: 'pathway-checkpoint/1', checkpoint: { id: 1, treeSize: 3 }, publicKey: expect.stringMatching(/^-----BEGIN PUBLIC KEY-----/) });
    expect(readFileSync(`${exported}.pub.pem`, 'utf8')).toBe(file.publicKey);
    // The export carries no private key.
    expect(readFileSync(exported, 'utf8')).not.toMatch(/PRIVATE/);
  });

  it('proves a log that grew since extends the exported checkpoint; refuses an export whose heads were edited', { timeout: 300_000 }, async () => {
    await withFolder(folder, async (send) => send('520003'));
    const ok = run('verify', '--checkpoint', exported);
    expect(ok.status).toBe(0);
    expect(ok.stdout).toMatch(/against checkpoint 1 of .* \(exported, .*checkpoint-1\.json; signature valid\)/);
    const edited = JSON.parse(readFileSync(exported, 'utf8'));
    edited.checkpoint.heads.streams[0].version = 2;
    const forged = join(dir, 'forged.json');
    writeFileSync(forged, JSON.stringify(edited));
    const bad = run('verify', '--checkpoint', forged, '--public-key', `${exported}.pub.pem`, '--json');
    expect(bad.status).toBe(1);
    const report = JSON.parse(bad.stdout);
    expect(report.checkpoint).toMatchObject({ source: 'file', signature: 'invalid' });
    expect(report.findings).toEqual([expect.objectContaining({ check: 'signature', school: null, what: expect.stringMatching(/its heads do not give its root .* the heads were changed after signing/) })]);
  });

  it('finds a truncated tail with the stream rolled back (exit 1), against the database checkpoint and the exported one', { timeout: 300_000 }, async () => {
    await withFolder(folder, async (_send, sql) => {
      await sql('ALTER TABLE events DISABLE TRIGGER USER');
      await sql("DELETE FROM events WHERE urn = '520001' AND version = 3");
      await sql("UPDATE streams SET version = 2 WHERE urn = '520001'");
      await sql('ALTER TABLE events ENABLE TRIGGER USER');
    });
    const text = run('verify');
    expect(text.status).toBe(1);
    expect(text.stdout).toMatch(/1 finding:/);
    expect(text.stdout).toMatch(/checkpoint\s+520001\s+3\s/);
    const json = run('verify', '--checkpoint', exported, '--json');
    expect(json.status).toBe(1);
    expect(JSON.parse(json.stdout).findings).toEqual([
      { check: 'checkpoint', school: '520001', version: 3, ledgerRow: null, what: expect.stringMatching(/^the log ends at version 2, but checkpoint 1 .* signed version 3: version 3 was deleted/) },
    ]);
    // Nothing is signed over it.
    const cp = run('checkpoint');
    expect(cp.status).toBe(1);
    expect(cp.stdout).toMatch(/^Not signed: /);
  });

  it('exits 2 for bad input, naming the option and the rule', { timeout: 600_000 }, () => {
    const cases: [string[], RegExp][] = [
      [['verify', '--since', '0'], /--since must be a whole number of at least 1 \(got "0"\)/],
      [['verify', '--since', '9'], /since must be the number of a checkpoint in the database .* there is no checkpoint 9/],
      [['verify', '12'], /urn must be a school URN of exactly 6 digits \(got "12"\)/],
      [['verify', '--all', '520001'], /choose --all or school URNs/],
      [['verify', '--checkpoint', join(dir, 'missing.json')], /--checkpoint .*missing\.json must be a checkpoint file written by pathway checkpoint --export/],
      [['verify', '--since', '1', '--checkpoint', exported], /choose --since .* or --checkpoint/],
      [['checkpoint', '--list', '--force'], /--list shows the checkpoints/],
    ];
    for (const [args, message] of cases) {
      const r = run(...args);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr, args.join(' ')).toMatch(message);
    }
    expect(existsSync(join(dir, 'missing.json'))).toBe(false);
  });
});

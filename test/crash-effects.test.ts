/**
 * Effects finish whatever the clock (issue 12): `pathway attend` that
 * releases the £2,000 grant is killed (SIGKILL, at the fault point between
 * the outbox claim and the payment, store/faults.ts), leaving the school's
 * state saying "funding paid" and the ledger empty. Then ONE `pathway tick`
 * on its simulated clock must pay it exactly once and send its email once:
 * the dead host's claim is taken over at once (its liveness is gone), not
 * after a lease compared with the simulated clock. Run as a user runs it
 * (node bin/pathway.mjs), on Postgres and in a PGlite folder.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateSchedule } from '../domain/calendar/index.js';
import { programmeFor } from '../domain/catalogue/programmes.js';
import { openDb } from '../store/db.js';
import { copyMigratedPgliteFolder, createTestDatabase, dbTargets, type TestDatabase } from './helpers/db.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const bin = join(root, 'bin/pathway.mjs');
const form = join(root, 'examples/forms/secondary-development-2020.json');
const URN = '108514';
// Secondary Development 2020/21 pays its department £2,000 after the commitment and the first meeting.
const development = programmeFor('secondary', 'development', '2020/21')!;
const firstMeeting = generateSchedule(development, '2020/21').find((s) => s.kind === 'meeting')!;

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

function pathway(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [bin, ...args], { cwd: env.CWD ?? root, env: { ...process.env, NO_COLOR: '1', DATABASE_URL: '', SMTP_URL: '', PATHWAY_FAULTS: '', ...env }, maxBuffer: 32 * 1024 * 1024 }, (_err, stdout, stderr) => {
      resolve({ code: child.exitCode, signal: child.signalCode, stdout, stderr });
    });
  });
}

const dirs: string[] = [];
const databases: TestDatabase[] = [];
afterAll(async () => {
  for (const d of databases) await d.drop();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});
function tempDir(prefix: string): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

/** What the database says about the school's money: the state's figure, the ledger rows, the open effects. */
async function money(db: string): Promise<{ statePaid: number; ledger: { key: string; amount_pence: number }[]; open: { key: string; type: string; lease_owner: string | null }[] }> {
  const d = await openDb(db);
  try {
    const s = await d.query<{ paid: number }>("SELECT (summary->>'fundingPaidPence')::int AS paid FROM streams WHERE urn = $1", [URN]);
    const ledger = await d.query<{ key: string; amount_pence: number }>('SELECT key, amount_pence FROM funding_ledger WHERE urn = $1 ORDER BY key', [URN]);
    const open = await d.query<{ key: string; type: string; lease_owner: string | null }>("SELECT key, type, lease_owner FROM outbox WHERE urn = $1 AND status <> 'done' ORDER BY key", [URN]);
    return { statePaid: s.rows[0]?.paid ?? 0, ledger: ledger.rows, open: open.rows };
  } finally {
    await d.close();
  }
}

describe.each(dbTargets())('kill -9 between the outbox claim and the payment, then one tick ($name)', (target) => {
  let db: string;
  let mailbox: string;
  let env: Record<string, string>;
  const run = (...args: string[]) => pathway(env, '--db', db, ...args);

  beforeAll(async () => {
    if (target.name === 'postgres') {
      const d = await createTestDatabase(target);
      databases.push(d);
      db = d.url;
    } else {
      // A migrated folder copied from a template: PGlite's initdb is not what this test is about.
      db = join(tempDir('pathway-crash-effects-pglite-'), 'data');
      await copyMigratedPgliteFolder(db);
    }
    mailbox = tempDir('pathway-crash-effects-mail-');
    env = { MAILBOX_DIR: mailbox, CWD: tempDir('pathway-crash-effects-cwd-') };
  });

  it('pays the £2,000 exactly once and sends its email once; state and ledger agree when tick returns', async () => {
    expect((await run('apply', form)).code).toBe(0);
    const steps: [string, string, string][] = [
      ['ELIGIBILITY_ASSESSED', '2020-07-15', '{"eligible":true}'],
      ['SELECTED', '2020-07-20', '{"groupId":"gnorth-development-2020-1","groupSize":2}'],
      ['COMMITMENT_SIGNED', '2020-09-10', JSON.stringify({ signatories: development.signatories })],
      ['SCHEDULE_SET', '2020-09-15', '{}'],
    ];
    for (const [type, at, data] of steps) {
      const r = await run('event', URN, type, '--at', at, '--data', data, '--actor', 'hub-ops');
      expect(r.code, `${type}: ${r.stderr}`).toBe(0);
    }

    // The attendance that releases the grant, killed between the claim of its effects and the payment.
    expect(development.funding?.amountPence).toBe(200_000);
    const at = `${firstMeeting.at.slice(0, 10)}T15:00:00Z`;
    const killed = await pathway({ ...env, PATHWAY_FAULTS: 'effect.after-claim' }, '--db', db, 'attend', URN, firstMeeting.id, '--teachers', '2', '--headteacher', '--at', at);
    expect(killed.stderr).toContain('fault injected at effect.after-claim');
    expect(killed.signal).toBe('SIGKILL');
    const after = await money(db);
    // The bug's state: the school says paid, the ledger is empty, the effects are claimed by a dead host.
    expect(after.statePaid).toBe(200_000);
    expect(after.ledger).toEqual([]);
    expect(after.open.map((o) => o.type).sort()).toContain('funding.release');
    expect(after.open.every((o) => o.lease_owner !== null)).toBe(true);

    // Until it is carried out, status says so and `pathway effects` lists it.
    const status = await run('status', URN);
    expect(status.stdout).toMatch(/effects pending: 2 not carried out yet \(.*funding\.release due.*\); a grant shown as paid is not in the ledger/);
    const listed = JSON.parse((await run('effects', '--pending', '--json')).stdout) as { effects: { urn: string; type: string; state: string }[] };
    expect(listed.effects.filter((e) => e.urn === URN).map((e) => e.type).sort()).toEqual(['funding.release', 'notify']);

    // One tick, on its own simulated clock, to the next day in school time.
    const dayAfter = new Date(Date.parse(at) + 86_400_000).toISOString().slice(0, 10);
    const ticked = await run('tick', '--until', dayAfter);
    expect(ticked.code, ticked.stderr).toBe(0);
    const paid = await money(db);
    expect(paid.ledger).toEqual([{ key: `${URN}:${development.id}:2020/21:grant`, amount_pence: 200_000 }]);
    expect(paid.statePaid).toBe(paid.ledger.reduce((a, r) => a + r.amount_pence, 0));
    expect(paid.open).toEqual([]);
    expect(readdirSync(mailbox).filter((f) => f.includes('funding'))).toHaveLength(1);

    if (target.name === 'postgres') {
      // (Postgres only: in a PGlite folder every command reopens the folder, and the listing is the same code.)
      expect((await run('status', URN)).stdout).not.toContain('effects pending');
      expect(JSON.parse((await run('effects', '--json')).stdout)).toEqual({ count: 0, effects: [] });
    }
    // Trying the paid grant again does nothing; an unknown key is refused by name (exit 2).
    const again = await run('effects', 'retry', `${URN}:${development.id}:2020/21:grant`);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toBe(`${URN}:${development.id}:2020/21:grant: already carried out; nothing done\n`);
    const unknown = await run('effects', 'retry', 'no-such-key');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('no outbox item no-such-key');
    // A second tick changes nothing.
    expect((await run('tick', '--until', dayAfter)).code).toBe(0);
    expect((await money(db)).ledger).toHaveLength(1);
    expect(readdirSync(mailbox).filter((f) => f.includes('funding'))).toHaveLength(1);
  }, 600_000);
});

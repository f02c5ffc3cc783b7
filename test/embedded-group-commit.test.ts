/**
 * Group commit on the embedded host (host/embedded.ts commitWrite): writes
 * that arrive while another is being committed go together in one
 * transaction, and each caller gets the answer it would have had alone: a
 * stale version is a conflict, a refused event is refused in the same words,
 * the rest are stored in order. A school's history stays verifiable, and a
 * change made behind the host's back is still found. PGlite and Postgres.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbeddedEngine, type EmbeddedEngine } from '../host/embedded.js';
import { SimulatedClock } from '../host/clock.js';
import { EventRejectedError, VersionConflictError } from '../domain/errors.js';
import type { Store } from '../store/index.js';
import { readStream, verifyStream } from '../store/event-log.js';
import { TamperedSchoolError } from '../store/tamper.js';
import type { Db } from '../store/db.js';
import { dbTargets, useTestDb } from './helpers/db.js';
import { apply, eligible, selected, signedAt } from './helpers/secondary-school.js';

const signedEarly = signedAt('2020-07-03T12:00:00+01:00');

/** `db` with its transactions counted. */
function counting(db: Db): { db: Db; transactions: () => number } {
  let n = 0;
  const proxy = new Proxy(db, {
    get(target, prop) {
      if (prop === 'tx') return (fn: (tx: Db) => Promise<unknown>) => (n++, target.tx(fn));
      const v = Reflect.get(target, prop, target) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { db: proxy, transactions: () => n };
}

describe.each(dbTargets())('writes committed together on $name', (target) => {
  const t = useTestDb(target);
  let engine: EmbeddedEngine;
  let counted: ReturnType<typeof counting>;
  let mailbox: string;
  const urns = Array.from({ length: 12 }, (_, i) => String(710000 + i));

  beforeAll(async () => {
    mailbox = mkdtempSync(join(tmpdir(), 'pathway-group-mail-'));
    counted = counting(t.db);
    const store: Store = { db: counted.db, migrations: { applied: [], skipped: [] } as unknown as Store['migrations'], describe: () => t.db.describe(), close: async () => undefined };
    engine = await createEmbeddedEngine({ store, clock: new SimulatedClock('2020-06-01T00:00:00Z'), mailbox, dispatch: 'manual' });
    for (const urn of urns) await engine.send(urn, apply(urn), { actor: 'setup' });
  });
  afterAll(async () => {
    await engine?.close();
    rmSync(mailbox, { recursive: true, force: true });
  });

  it('many writes at once: all stored, in fewer transactions than writes, and every history verifies', async () => {
    const before = counted.transactions();
    const results = await Promise.all(urns.map((urn) => engine.send(urn, eligible, { actor: 'hub', expectedVersion: 1 })));
    expect(results.map((r) => r.version)).toEqual(urns.map(() => 2));
    expect(results.map((r) => r.urn)).toEqual(urns);
    const used = counted.transactions() - before;
    expect(used, `${used} transactions for ${urns.length} writes`).toBeLessThan(urns.length);
    for (const urn of urns) {
      expect((await readStream(t.db, urn)).map((e) => e.type)).toEqual(['APPLY', 'ELIGIBILITY_ASSESSED']);
      expect(await verifyStream(t.db, urn)).toBeNull();
    }
  });

  it('a stale version and a refused event in the group get their own answers; the others are stored', async () => {
    const [ok1, stale, refused, ok2] = urns;
    const alone = await engine.send(urns[4]!, signedEarly, { actor: 'hub' }).then(() => null, (e: unknown) => e);
    expect(alone).toBeInstanceOf(EventRejectedError);
    const outcomes = await Promise.allSettled([
      engine.send(ok1!, selected(ok1!), { actor: 'hub', expectedVersion: 2 }),
      engine.send(stale!, selected(stale!), { actor: 'hub', expectedVersion: 1 }),
      engine.send(refused!, signedEarly, { actor: 'hub' }),
      engine.send(ok2!, selected(ok2!), { actor: 'hub', expectedVersion: 2 }),
    ]);
    expect(outcomes[0]).toMatchObject({ status: 'fulfilled', value: { urn: ok1, version: 3 } });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: expect.any(VersionConflictError) });
    expect(outcomes[2]).toMatchObject({ status: 'rejected', reason: expect.any(EventRejectedError) });
    // The same words as the same event refused on its own.
    expect(((outcomes[2] as PromiseRejectedResult).reason as Error).message.replaceAll(refused!, 'URN')).toBe((alone as Error).message.replaceAll(urns[4]!, 'URN'));
    expect(outcomes[3]).toMatchObject({ status: 'fulfilled', value: { urn: ok2, version: 3 } });
    expect((await readStream(t.db, stale!)).map((e) => e.version)).toEqual([1, 2]);
    expect((await readStream(t.db, refused!)).map((e) => e.version)).toEqual([1, 2]);
  });

  it('a history changed behind the host’s back after a group commit is still found by the next write', async () => {
    const urn = urns[8]!;
    await Promise.all([engine.send(urn, selected(urn), { actor: 'hub' }), engine.send(urns[9]!, selected(urns[9]!), { actor: 'hub' })]);
    await t.db.query('ALTER TABLE events DISABLE TRIGGER USER');
    try {
      await t.db.query(`UPDATE events SET payload = jsonb_set(payload, '{groupSize}', '3') WHERE urn = $1 AND version = 3`, [urn]);
    } finally {
      await t.db.query('ALTER TABLE events ENABLE TRIGGER USER');
    }
    const next = await engine.send(urn, { type: 'COMMITMENT_SIGNED', at: '2020-09-01T12:00:00+01:00', signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] }, { actor: 'hub' }).then(() => null, (e: unknown) => e);
    expect(next).toBeInstanceOf(TamperedSchoolError);
  });
});

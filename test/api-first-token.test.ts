/**
 * The first start's admin token (issue 12): written once to a file only its
 * owner can read (0600), whose path is printed; the token itself never goes
 * to stdout (so never into `docker logs`). A second start makes no token.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startServer } from '../cli/commands/serve.js';
import { SimulatedClock } from '../host/clock.js';

describe('the first admin token', () => {
  const dir = mkdtempSync(join(tmpdir(), 'pathway-first-token-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('goes to a 0600 file whose path is printed, never to stdout', async () => {
    const db = join(dir, 'data');
    const lines: string[] = [];
    const s = await startServer({ db, port: 0, host: '127.0.0.1', demo: false, clock: new SimulatedClock('2026-11-23T12:00:00Z'), say: (l) => lines.push(l), mailbox: join(dir, 'mailbox') });
    let token: string;
    try {
      token = s.firstToken!;
      expect(token).toMatch(/^mpt_/);
      const out = lines.join('\n');
      expect(out).not.toContain(token);
      const file = join(db, 'first-admin-token');
      expect(out).toContain(file);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(readFileSync(file, 'utf8').trim()).toBe(token);
      expect((await fetch(`${s.address}/me`, { headers: { authorization: `Bearer ${readFileSync(file, 'utf8').trim()}` } })).status).toBe(200);
    } finally {
      await s.close();
    }
    // A second start makes no token and leaves the file as it was.
    const again: string[] = [];
    const s2 = await startServer({ db, port: 0, host: '127.0.0.1', demo: false, clock: new SimulatedClock('2026-11-23T12:00:00Z'), say: (l) => again.push(l), mailbox: join(dir, 'mailbox') });
    try {
      expect(s2.firstToken).toBeNull();
      expect(again.join('\n')).not.toContain('mpt_');
    } finally {
      await s2.close();
    }
  });
});

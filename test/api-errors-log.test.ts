/**
 * Faults are logged by default (issue 12): every 5xx goes to the log with a
 * request id that the reply carries too (X-Request-Id and `requestId`), with
 * or without request logging; `--log` (logRequests) only adds a line per
 * request. On PGlite (logging does not depend on the database).
 */
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './helpers/db.js';
import { secondaryForm, startApi, type ApiHarness } from './api-harness.js';
import { submitApplication } from '../service/applications.js';
import { buildApi } from '../api/server.js';

/** A pino logger whose lines are kept, parsed. */
function capturingLogger(level = 'warn') {
  const lines: Record<string, any>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l));
      done();
    },
  });
  return { logger: pino({ level }, stream), lines };
}

describe('5xx are logged with the request id the reply carries', () => {
  const target = dbTargets()[0]!;
  const quiet = capturingLogger();
  const loud = capturingLogger();
  let h: ApiHarness;
  let urn = '';

  beforeAll(async () => {
    h = await startApi(target, { start: '2021-01-20T12:00:00Z', api: { logger: quiet.logger } });
    const form = secondaryForm(2);
    urn = form.school.urn;
    await submitApplication(h.svc, { id: 'fixture', name: 'fixture', role: 'admin', hubs: [] }, form);
  });
  afterAll(async () => h?.close());

  /** Makes the engine fail once, as a fault below the API would. */
  function failNextRead(message: string): void {
    const engine = h.svc.engine as { state: (urn: string) => Promise<unknown> };
    const real = engine.state.bind(engine);
    engine.state = async () => {
      engine.state = real;
      throw new Error(message);
    };
  }

  it('a fault answers 500 with X-Request-Id and requestId, and is logged at error level with that id, without --log', async () => {
    failNextRead('disk on fire');
    const res = await h.app.inject({ method: 'GET', url: `/schools/${urn}`, headers: { authorization: `Bearer ${h.tokens.admin}` } });
    expect(res.statusCode).toBe(500);
    const id = res.headers['x-request-id'];
    expect(typeof id).toBe('string');
    const body = JSON.parse(res.body) as { error: string; requestId: string };
    expect(body.requestId).toBe(id);
    expect(body.error).toMatch(/logged with its request id/);
    expect(body.error).not.toMatch(/disk on fire/);
    const logged = quiet.lines.filter((l) => l.level === 50);
    expect(logged).toHaveLength(1);
    expect(logged[0]).toMatchObject({ requestId: id, msg: 'request failed', status: 500, url: `/schools/${urn}` });
    expect(logged[0]!.err.message).toBe('disk on fire');
    // No request logging without --log: the fault is the only line.
    expect(quiet.lines).toHaveLength(1);
  });

  it("a caller's X-Request-Id is kept when it looks like one, replaced when not", async () => {
    const kept = await h.app.inject({ method: 'GET', url: '/schools/000000', headers: { authorization: `Bearer ${h.tokens.admin}`, 'x-request-id': 'proxy-42.a' } });
    expect(kept.headers['x-request-id']).toBe('proxy-42.a');
    expect(JSON.parse(kept.body).requestId).toBe('proxy-42.a');
    const replaced = await h.app.inject({ method: 'GET', url: '/health', headers: { 'x-request-id': 'a b\tc' } });
    expect(replaced.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('by default faults are logged (level warn) and requests are not', async () => {
    const app = await buildApi(h.svc);
    try {
      expect((app.log as pino.Logger).isLevelEnabled('error')).toBe(true);
      expect((app.log as pino.Logger).isLevelEnabled('info')).toBe(false);
    } finally {
      await app.close();
    }
  });

  it('--log (logRequests) adds a line per request; faults still logged with their id', async () => {
    const app = await buildApi(h.svc, { logger: loud.logger, logRequests: true });
    try {
      const ok = await app.inject({ method: 'GET', url: '/health' });
      expect(ok.statusCode).toBe(200);
      expect(loud.lines.some((l) => l.msg === 'request completed' && l.requestId === ok.headers['x-request-id'])).toBe(true);
      failNextRead('again');
      const bad = await app.inject({ method: 'GET', url: `/schools/${urn}`, headers: { authorization: `Bearer ${h.tokens.admin}` } });
      expect(bad.statusCode).toBe(500);
      expect(loud.lines.some((l) => l.level === 50 && l.requestId === bad.headers['x-request-id'])).toBe(true);
    } finally {
      await app.close();
    }
  });
});

/**
 * The OpenAPI document at /docs/json (issue 13): Redocly CLI's lint with its
 * recommended rules finds 0 errors and 0 warnings; every operation has a
 * unique operationId, a description per status (no "Default Response"),
 * an example for every request and response body; reads list no 409 or 422;
 * servers and licence are filled in; the description keeps `<token>`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './helpers/db.js';
import { startApi, type ApiHarness } from './api-harness.js';

const REDOCLY = fileURLToPath(new URL('../node_modules/@redocly/cli/bin/cli.js', import.meta.url));
const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

describe('the OpenAPI document', () => {
  let h: ApiHarness;
  let doc: any;
  const dir = mkdtempSync(join(tmpdir(), 'pathway-openapi-'));

  beforeAll(async () => {
    h = await startApi(dbTargets()[0]!, { start: '2021-01-20T12:00:00Z' });
    doc = (await h.call('GET', '/docs/json')).body;
  });
  afterAll(async () => {
    await h?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const operations = () => Object.entries(doc.paths as Record<string, any>).flatMap(([path, item]) => METHODS.filter((m) => item[m]).map((m) => ({ method: m, path, op: item[m] })));

  it('Redocly lint (recommended rules): 0 errors, 0 warnings', async () => {
    const spec = join(dir, 'openapi.json');
    writeFileSync(spec, JSON.stringify(doc));
    writeFileSync(join(dir, 'redocly.yaml'), 'extends:\n  - recommended\n');
    const run = await promisify(execFile)(process.execPath, [REDOCLY, 'lint', spec, '--config', join(dir, 'redocly.yaml'), '--format', 'json'], { cwd: dir, env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' }, maxBuffer: 64 * 1024 * 1024 }).catch(
      (err: { stdout: string; stderr: string }) => err,
    );
    const report = JSON.parse(run.stdout) as { totals: { errors: number; warnings: number }; problems: { ruleId: string; message: string; location: { pointer?: string }[] }[] };
    const found = report.problems.map((p) => `${p.ruleId}: ${p.message} at ${p.location[0]?.pointer ?? '?'}`);
    expect(found).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  }, 30_000);

  it('every operation: a unique operationId, a description per status, examples; no 409/422 on reads', () => {
    const ids = operations().map((o) => o.op.operationId);
    expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z0-9]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    for (const { method, path, op } of operations()) {
      const where = `${method.toUpperCase()} ${path}`;
      for (const [status, r] of Object.entries(op.responses as Record<string, any>)) {
        expect(r.description, `${where} ${status}`).not.toBe('Default Response');
        const media = r.content?.['application/json'];
        if (media) expect(media.example, `${where} ${status} example`).toBeDefined();
      }
      if (op.requestBody) expect(op.requestBody.content['application/json'].example, `${where} request example`).toBeDefined();
      if (method === 'get') expect(Object.keys(op.responses).filter((s) => s === '409' || s === '422'), where).toEqual([]);
      if (!(Array.isArray(op.security) && op.security.length === 0)) expect(Object.keys(op.responses), where).toEqual(expect.arrayContaining(['401', '429']));
    }
    expect(doc.paths['/schools/{urn}'].get.responses['403']).toBeUndefined();
  });

  it('servers, licence and a readable description', () => {
    expect(doc.servers.length).toBeGreaterThan(0);
    expect(doc.info.license.name).toBe('MIT');
    expect(doc.info.description).toContain('`Authorization: Bearer <token>`');
  });
});

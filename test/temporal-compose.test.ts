/**
 * docker-compose.yml, its setup scripts and the Dockerfile, checked without
 * a container engine (none runs here): the compose file validates against
 * the Compose Specification's JSON schema (vendored, see
 * test/fixtures/compose-spec.SOURCE.md); every image is pinned to a released
 * version listed in docs/deployment.md; Postgres and every port are on
 * 127.0.0.1; no password is written in the file; every long-running service
 * has a health check (Temporal's through the `temporal` CLI, never tctl);
 * the one-shot setups restart on failure, and their scripts, run here
 * against a stand-in `temporal` CLI that fails first, retry until they
 * succeed. The image's workflow bundle, built by the same script, is the
 * code the worker loads: replayed through the worker's own options.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { parse } from 'yaml';
import { Worker } from '@temporalio/worker';
import { DeterminismViolationError } from '@temporalio/workflow';
import { historyFromJSON } from '@temporalio/common/lib/proto-utils.js';
import { searchAttributes } from '../workflows/messages.js';
import { WorkflowBundleMissingError, workerConfigFromEnv, workflowSource } from '../worker/main.js';
import { WORKFLOWS_PATH } from '../worker/paths.js';
import { workerConfig } from '../cli/commands/worker.js';
import { loadConfig } from '../config/load.js';
import { installReplayRuntime, replayHistory } from '../worker/replay.js';
import { replayBundle } from './helpers/replay-bundle.js';
import { buildWorkflowBundle } from '../scripts/build-workflow-bundle.js';
import { PROJECT, TEST_POSTGRES_PORT, containerEngineProblem, main as testTemporal, suiteEnvForStack } from '../scripts/test-temporal.js';
import { parseEvent } from '../machines/decide.js';
import type { PathwayEventInput } from '../machines/events.js';
import type { SchoolPathwayInput } from '../workflows/messages.js';
import { london, secondaryDev, secondarySchool, twoTeachers } from './fixtures/programmes.js';

interface Service {
  image?: string;
  build?: string;
  command?: string[] | string;
  entrypoint?: string[] | string;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  user?: string;
  restart?: string;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const composeText = read('docker-compose.yml');
const compose = parse(composeText, { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown>; configs: Record<string, { content: string }> };
const services = compose.services;
const dockerfile = read('Dockerfile');
const deploymentDoc = read('docs/deployment.md');

/** One-shot services: they run to completion and something waits for that. */
const oneShots = Object.keys(services).filter((name) => Object.values(services).some((s) => s.depends_on?.[name]?.condition === 'service_completed_successfully'));
const longRunning = Object.keys(services).filter((name) => !oneShots.includes(name));

/** "1.31.2" -> [1, 31, 2]. Pure. */
const versionOf = (tag: string) => tag.replace(/^v/, '').split(/[.-]/).slice(0, 3).map(Number);
const atLeast = (v: number[], min: number[]) => {
  for (let i = 0; i < min.length; i++) if ((v[i] ?? 0) !== min[i]) return (v[i] ?? 0) > min[i]!;
  return true;
};

function composeSchemaValidator() {
  const require = createRequire(import.meta.url);
  const draft7 = require('ajv/dist/refs/json-schema-draft-07.json') as Record<string, unknown>;
  // The schema uses union types and names its meta-schema by https URL without '#'; ajv knows draft-07 as http...#.
  const ajv = new Ajv({ allErrors: true, allowUnionTypes: true, strictTypes: false });
  ajv.addMetaSchema({ ...draft7, $id: 'https://json-schema.org/draft-07/schema' });
  return ajv.compile(JSON.parse(readFileSync(new URL('./fixtures/compose-spec.json', import.meta.url), 'utf8')));
}

describe('docker-compose.yml against the Compose Specification', () => {
  const validate = composeSchemaValidator();

  it('validates against the spec schema (after YAML merge keys, as compose reads it)', () => {
    const ok = validate(compose);
    expect(validate.errors ?? [], 'schema errors').toEqual([]);
    expect(ok).toBe(true);
  });

  it('the validator refuses what compose would refuse (a misspelt key, a number where a duration goes)', () => {
    const broken = structuredClone(compose) as unknown as { services: Record<string, Record<string, unknown>> };
    broken.services.hub!.restrat = 'always';
    (broken.services.postgres!.healthcheck as Record<string, unknown>).interval = 5;
    expect(validate(broken)).toBe(false);
    expect(validate.errors!.map((e) => `${e.instancePath} ${e.message}`)).toEqual(
      expect.arrayContaining(['/services/hub must NOT have additional properties', '/services/postgres/healthcheck/interval must be string']),
    );
  });
});

describe('images on current, pinned releases', () => {
  const composeImages = Object.entries(services).filter(([, s]) => !s.build).map(([, s]) => s.image!);
  // FROM lines that name an image, not an earlier stage (FROM base AS build).
  const stageNames = [...dockerfile.matchAll(/^FROM\s+\S+\s+AS\s+(\S+)/gim)].map((m) => m[1]!);
  const dockerfileImages = [...dockerfile.matchAll(/^FROM\s+(\S+)/gm)].map((m) => m[1]!).filter((i) => !stageNames.includes(i));

  it('runs temporalio/server with admin-tools for setup and a current UI; no auto-setup, no tctl', () => {
    expect(services.temporal!.image).toMatch(/^temporalio\/server:/);
    for (const name of ['temporal-schema', 'temporal-setup', 'temporal-cli']) expect(services[name]!.image, name).toMatch(/^temporalio\/admin-tools:/);
    expect(services['temporal-ui']!.image).toMatch(/^temporalio\/ui:/);
    expect(composeText).not.toMatch(/auto-setup|tctl/);
  });

  it('pins every image, in compose and the Dockerfile, to a released version: no latest, no variable, no bare major', () => {
    for (const image of [...composeImages, ...dockerfileImages]) {
      expect(image, image).toMatch(/^[a-z0-9./-]+:v?\d+\.\d+(\.\d+)?(-[a-z0-9.-]+)?$/);
    }
  });

  it('lists each image and tag in docs/deployment.md with where it was checked', () => {
    const rows = new Map([...deploymentDoc.matchAll(/^\| `([^`]+)` \| `([^`]+)` \| (.+) \|$/gm)].map((m) => [`${m[1]}:${m[2]}`, m[3]!]));
    for (const image of new Set([...composeImages, ...dockerfileImages])) {
      expect(rows.has(image), `${image} in docs/deployment.md's version table`).toBe(true);
      expect(rows.get(image)!.length, `where ${image} was checked`).toBeGreaterThan(40);
    }
  });

  it('runs a server that Worker Versioning works on (1.30.2 or later), with admin-tools of the same release everywhere', () => {
    const server = services.temporal!.image!.split(':')[1]!;
    expect(atLeast(versionOf(server), [1, 30, 2]), `server ${server}`).toBe(true);
    const adminTools = [...composeImages, ...dockerfileImages].filter((i) => i.startsWith('temporalio/admin-tools:'));
    expect(adminTools.length).toBe(4);
    for (const image of adminTools) expect(image).toBe(`temporalio/admin-tools:${server}`);
  });
});

describe('the stack', () => {
  it('has the services the stack needs', () => {
    expect(Object.keys(services).sort()).toEqual(['hub', 'mailpit', 'postgres', 'temporal', 'temporal-cli', 'temporal-schema', 'temporal-setup', 'temporal-ui', 'worker']);
    expect(oneShots.sort()).toEqual(['temporal-cli', 'temporal-schema', 'temporal-setup']);
  });

  it('publishes Postgres, and every other port, on 127.0.0.1 only', () => {
    expect(services.postgres!.ports).toEqual(['127.0.0.1:${PATHWAY_POSTGRES_PORT:-5432}:5432']);
    const published = Object.entries(services).flatMap(([name, s]) => (s.ports ?? []).map((p) => [name, p] as const));
    expect(published.map(([name]) => name).sort()).toEqual(['hub', 'mailpit', 'mailpit', 'postgres', 'temporal', 'temporal-ui']);
    for (const [name, port] of published) expect(port, name).toMatch(/^127\.0\.0\.1:/);
  });

  it('writes no password: every one comes from POSTGRES_PASSWORD in .env, which git ignores and .env.example leaves empty', () => {
    const fromEnv = /^\$\{POSTGRES_PASSWORD:\?[^}]+\}$/;
    expect(services.postgres!.environment!.POSTGRES_PASSWORD).toMatch(fromEnv);
    expect(services.temporal!.environment!.POSTGRES_PWD).toMatch(fromEnv);
    expect(services['temporal-schema']!.environment!.SQL_PASSWORD).toMatch(fromEnv);
    for (const name of ['worker', 'hub']) {
      expect(services[name]!.environment!.DATABASE_URL, name).toMatch(/^postgres:\/\/pathway:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/pathway$/);
    }
    // Any other key that looks like a secret is an interpolation too.
    for (const [name, s] of Object.entries(services)) {
      for (const [key, value] of Object.entries(s.environment ?? {})) {
        if (/PASSWORD|PWD|SECRET|TOKEN/.test(key)) expect(value, `${name}.${key}`).toMatch(/^\$\{[A-Z_]+(:\?[^}]+)?\}$/);
      }
    }
    expect(read('.gitignore').split('\n')).toContain('.env');
    expect(read('.dockerignore').split('\n')).toContain('.env');
    expect(read('.env.example')).toMatch(/^POSTGRES_PASSWORD=$/m);
  });

  it('takes the namespace from configuration, the same for setup, worker, hub and UI', () => {
    const ns = '${TEMPORAL_NAMESPACE:-default}';
    expect(services['temporal-setup']!.environment!.TEMPORAL_NAMESPACE).toBe(ns);
    expect(services.worker!.environment!.TEMPORAL_NAMESPACE).toBe(ns);
    expect(services.hub!.environment!.TEMPORAL_NAMESPACE).toBe(ns);
    expect(services['temporal-ui']!.environment!.TEMPORAL_DEFAULT_NAMESPACE).toBe(ns);
    expect(read('.env.example')).toMatch(/^TEMPORAL_NAMESPACE=default$/m);
  });

  it('gives every long-running service a health check, Temporal through the temporal CLI, and makes dependents wait on it', () => {
    expect(longRunning.sort()).toEqual(['hub', 'mailpit', 'postgres', 'temporal', 'temporal-ui', 'worker']);
    for (const name of longRunning) {
      expect(services[name]!.healthcheck?.test.length, `${name} health check`).toBeGreaterThan(1);
      expect(services[name]!.restart, name).toBe('unless-stopped');
    }
    expect(services.temporal!.healthcheck!.test).toEqual(['CMD', '/opt/temporal-cli/temporal', 'operator', 'cluster', 'health', '--address', '127.0.0.1:7233']);
    // The CLI it runs is the one the temporal-cli one-shot copies into the shared volume.
    expect(services['temporal-cli']!.volumes).toEqual(['temporal-cli:/opt/temporal-cli']);
    expect(services.temporal!.volumes).toContain('temporal-cli:/opt/temporal-cli:ro');
    expect(String(services['temporal-cli']!.entrypoint)).toContain('cp /usr/local/bin/temporal /opt/temporal-cli/temporal');
    expect(services.worker!.healthcheck!.test).toEqual(['CMD', 'sh', '/app/scripts/compose/worker-healthcheck.sh']);
    expect(dockerfile).toMatch(/^WORKDIR \/app$/m);
    expect(read('scripts/compose/worker-healthcheck.sh')).toMatch(/temporal task-queue describe/);
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(services[dep], `${name} depends on ${dep}`).toBeDefined();
        if (condition === 'service_healthy') expect(services[dep]!.healthcheck, `${name} waits for ${dep} to be healthy`).toBeDefined();
      }
    }
    expect(services.hub!.depends_on!.worker!.condition).toBe('service_healthy');
  });

  it('runs the one-shot setups in order, restarting on failure, their scripts retrying each step', () => {
    for (const name of oneShots) expect(services[name]!.restart, name).toBe('on-failure');
    expect(services['temporal-schema']!.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    expect(services.temporal!.depends_on).toEqual({ 'temporal-schema': { condition: 'service_completed_successfully' }, 'temporal-cli': { condition: 'service_completed_successfully' } });
    expect(services['temporal-setup']!.depends_on).toEqual({ temporal: { condition: 'service_healthy' } });
    for (const name of ['worker', 'hub']) expect(services[name]!.depends_on!['temporal-setup']!.condition, name).toBe('service_completed_successfully');
    expect(services['temporal-schema']!.entrypoint).toEqual(['/bin/sh', '/scripts/temporal-schema-setup.sh']);
    expect(services['temporal-setup']!.entrypoint).toEqual(['/bin/sh', '/scripts/temporal-namespace-setup.sh']);
    for (const name of ['temporal-schema', 'temporal-setup']) expect(services[name]!.volumes, name).toEqual(['./scripts/compose:/scripts:ro']);
    expect(services['temporal-schema']!.environment).toMatchObject({ SQL_PLUGIN: 'postgres12', SQL_HOST: 'postgres', SQL_USER: 'pathway' });
  });

  it('registers exactly the search attributes the workflows upsert, with their types', () => {
    const registered = String(services['temporal-setup']!.environment!.PATHWAY_SEARCH_ATTRIBUTES).trim().split(/\s+/).map((p) => p.toUpperCase()).sort();
    const upserted = Object.values(searchAttributes).map((k) => `${k.name}:${k.type}`.toUpperCase()).sort();
    expect(registered).toEqual(upserted);
  });

  it('points the worker and the hub at the same Temporal, Postgres and mail catcher, the hub on the Temporal engine', () => {
    for (const name of ['worker', 'hub']) {
      expect(services[name]!.environment, name).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', SMTP_URL: 'smtp://mailpit:1025', TEMPORAL_TASK_QUEUE: '${TEMPORAL_TASK_QUEUE:-mastery-pathway}' });
    }
    expect(services.hub!.environment!.PATHWAY_ENGINE).toBe('temporal');
    expect(services.worker!.environment!.PATHWAY_ENGINE).toBeUndefined();
    // With the V8 options npm start gives the server and npm run worker the worker (a larger young generation).
    const nodeOptions = (script: string) => script.split(/\s+/).filter((w) => w.startsWith('--'));
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(nodeOptions(pkg.scripts.start!)).toEqual(['--max-semi-space-size=64']);
    expect(services.worker!.command).toEqual(['node', ...nodeOptions(pkg.scripts.worker!), 'bin/pathway.mjs', 'worker']);
    expect(services.hub!.command).toEqual(['node', ...nodeOptions(pkg.scripts.start!), 'bin/pathway.mjs', 'serve', '--host', '0.0.0.0', '--port', '3000']);
    expect(dockerfile).toContain(`CMD ["node", ${nodeOptions(pkg.scripts.start!).map((o) => JSON.stringify(o)).join(', ')}, "bin/pathway.mjs", "serve"`);
    expect(services.temporal!.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgres', POSTGRES_USER: services.postgres!.environment!.POSTGRES_USER });
  });

  it("gives the server a dynamic config file where it reads it (it will not start without one)", () => {
    expect(services.temporal!.environment!.DYNAMIC_CONFIG_FILE_PATH).toBe('/etc/temporal/config/dynamicconfig/pathway.yaml');
    expect(parse(compose.configs['temporal-dynamic-config']!.content)).toEqual({ 'limit.maxIDLength': [{ value: 255, constraints: {} }] });
    expect(Object.keys(compose.volumes).sort()).toEqual(['postgres-data', 'temporal-cli']);
  });
});

// ---------------------------------------------------------------------------
// The setup scripts and the worker's health check, run by /bin/sh against
// stand-in `temporal`, `temporal-sql-tool` and `hostname` commands.

const scratch = mkdtempSync(join(tmpdir(), 'pathway-compose-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const scriptsDir = new URL('../scripts/compose/', import.meta.url).pathname;

/**
 * A stand-in CLI: logs each call's arguments to calls.log, and for a call
 * whose arguments match a rule fails its first `failures` times, printing
 * `output` once it succeeds. Rules are checked in order; no match succeeds
 * silently.
 */
function fakeCommand(dir: string, name: string, rules: { match: string; failures: number; output?: string; always?: 'fail' }[]): void {
  const cases = rules
    .map((r, i) => {
      const body =
        r.always === 'fail'
          ? 'echo "stand-in: failing for good" >&2; exit 1'
          : `n=$(cat "$dir/count-${name}-${i}" 2>/dev/null || echo 0); n=$((n + 1)); echo $n > "$dir/count-${name}-${i}"
    if [ $n -le ${r.failures} ]; then echo "stand-in: failure $n" >&2; exit 1; fi
    ${r.output !== undefined ? `printf '%s\\n' ${shellQuote(r.output)}` : ':'}; exit 0`;
      return `  *${shellQuote(r.match)}*)\n    ${body}\n    ;;`;
    })
    .join('\n');
  const script = `#!/bin/sh\ndir=${shellQuote(dir)}\necho "${name} $*" >> "$dir/calls.log"\ncase "$*" in\n${cases}\nesac\nexit 0\n`;
  writeFileSync(join(dir, name), script);
  chmodSync(join(dir, name), 0o755);
}

function shellQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

function runScript(script: string, dir: string, env: Record<string, string>) {
  const r = spawnSync('/bin/sh', [join(scriptsDir, script)], { env: { PATH: `${dir}:/usr/bin:/bin`, SETUP_SLEEP: '0', ...env }, encoding: 'utf8', timeout: 30_000 });
  const calls = existsSync(join(dir, 'calls.log')) ? readFileSync(join(dir, 'calls.log'), 'utf8').trim().split('\n') : [];
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, calls };
}

let cases = 0;
const freshDir = () => {
  const dir = join(scratch, `case-${++cases}`);
  mkdirSync(dir);
  return dir;
};

const attributes = String(services['temporal-setup']!.environment!.PATHWAY_SEARCH_ATTRIBUTES).trim();
const setupEnv = { TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'pathway-test', PATHWAY_SEARCH_ATTRIBUTES: attributes };

describe('scripts/compose/temporal-namespace-setup.sh', () => {
  it('retries until the server answers, creates the namespace and each attribute, and exits 0 only once describe and list show them', () => {
    const dir = freshDir();
    const listed = 'PathwayPhase PathwayStatus PathwayProgramme PathwayHub PathwayAcademicYear PathwayGroup PathwayOverdue';
    fakeCommand(dir, 'temporal', [
      { match: 'operator cluster health', failures: 3 },
      // Not there at first, nor just after create (the registry catches up), then there.
      { match: 'operator namespace describe', failures: 3 },
      { match: 'operator namespace create', failures: 1 },
      // The list shows nothing until the creates have happened (the count of list calls stands in for time).
      { match: 'operator search-attribute list', failures: 2, output: listed },
    ]);
    const r = runScript('temporal-namespace-setup.sh', dir, setupEnv);
    expect(r.stderr).toContain('not yet: cluster health at temporal:7233 (attempt 3 of 60)');
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('Temporal namespace pathway-test ready with its search attributes');
    expect(r.calls.filter((c) => c.includes('cluster health'))).toHaveLength(4);
    expect(r.calls).toContain('temporal operator namespace create --namespace pathway-test --retention 30d');
    // The last namespace call before the attributes is a describe that succeeded.
    const lastNamespaceCall = r.calls.filter((c) => c.includes('operator namespace')).at(-1);
    expect(lastNamespaceCall).toBe('temporal operator namespace describe --namespace pathway-test');
    expect(r.calls.filter((c) => c.includes('search-attribute create')).length).toBeGreaterThanOrEqual(1);
    for (const name of listed.split(' ')) expect(r.stdout, name).toMatch(new RegExp(`ok: search attribute ${name} \\((Keyword|Bool)\\) listed`));
  });

  it('creates a missing attribute with its type, skips a listed one, and does not exit 0 until the list shows it', () => {
    const dir = freshDir();
    // The list shows PathwayPhase only, whatever is created: PathwayPhase is left alone, PathwayStatus is created and, never listed, retried until the tries run out.
    fakeCommand(dir, 'temporal', [{ match: 'operator search-attribute list', failures: 0, output: 'PathwayPhase' }]);
    const r = runScript('temporal-namespace-setup.sh', dir, { ...setupEnv, SETUP_ATTEMPTS: '2' });
    expect(r.status).toBe(1);
    expect(r.calls).toContain('temporal operator search-attribute create --namespace pathway-test --name PathwayStatus --type Keyword');
    expect(r.calls).not.toContain('temporal operator search-attribute create --namespace pathway-test --name PathwayPhase --type Keyword');
    expect(r.stderr).toContain('failed: search attribute PathwayStatus (Keyword) listed, after 2 attempts; exiting so the service restarts');
  });

  it('registers the Bool attribute as Bool', () => {
    const dir = freshDir();
    fakeCommand(dir, 'temporal', [{ match: 'operator search-attribute list', failures: 0, output: 'PathwayPhase PathwayStatus PathwayProgramme PathwayHub PathwayAcademicYear PathwayGroup' }]);
    const r = runScript('temporal-namespace-setup.sh', dir, { ...setupEnv, SETUP_ATTEMPTS: '1' });
    expect(r.calls).toContain('temporal operator search-attribute create --namespace pathway-test --name PathwayOverdue --type Bool');
    expect(r.status).toBe(1);
  });

  it('gives up after its tries with exit 1 (so restart: on-failure starts it again) when the server never answers', () => {
    const dir = freshDir();
    fakeCommand(dir, 'temporal', [{ match: 'cluster health', failures: 0, always: 'fail' }]);
    const r = runScript('temporal-namespace-setup.sh', dir, { ...setupEnv, SETUP_ATTEMPTS: '3' });
    expect(r.status).toBe(1);
    expect(r.calls).toEqual(['temporal operator cluster health', 'temporal operator cluster health', 'temporal operator cluster health']);
    expect(r.stderr).toContain('failed: cluster health at temporal:7233, after 3 attempts');
  });

  it('names a missing setting', () => {
    const dir = freshDir();
    const r = runScript('temporal-namespace-setup.sh', dir, { TEMPORAL_ADDRESS: 'temporal:7233', PATHWAY_SEARCH_ATTRIBUTES: attributes });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('TEMPORAL_NAMESPACE is required');
  });
});

describe('scripts/compose/temporal-schema-setup.sh', () => {
  const env = { SQL_PLUGIN: 'postgres12', SQL_HOST: 'postgres', SQL_PORT: '5432', SQL_USER: 'pathway', SQL_PASSWORD: 'x' };

  it('creates both databases and brings each schema up to date, retrying while Postgres refuses', () => {
    const dir = freshDir();
    fakeCommand(dir, 'temporal-sql-tool', [{ match: '--db temporal create', failures: 2 }]);
    const r = runScript('temporal-schema-setup.sh', dir, env);
    expect(r.status, r.stderr).toBe(0);
    const ok = (db: string, dir2: string) => [
      `temporal-sql-tool --db ${db} create`,
      `temporal-sql-tool --db ${db} setup-schema -v 0.0`,
      `temporal-sql-tool --db ${db} update-schema -d /etc/temporal/schema/postgresql/v12/${dir2}/versioned`,
    ];
    expect(r.calls).toEqual(['temporal-sql-tool --db temporal create', 'temporal-sql-tool --db temporal create', ...ok('temporal', 'temporal'), ...ok('temporal_visibility', 'visibility')]);
    expect(r.stdout).toContain('Temporal schema ready');
  });

  it('does not go on to the visibility database while the main schema fails, and gives up after its tries', () => {
    const dir = freshDir();
    fakeCommand(dir, 'temporal-sql-tool', [{ match: '--db temporal update-schema', failures: 0, always: 'fail' }]);
    const r = runScript('temporal-schema-setup.sh', dir, { ...env, SETUP_ATTEMPTS: '2' });
    expect(r.status).toBe(1);
    expect(r.calls.some((c) => c.includes('temporal_visibility'))).toBe(false);
    expect(r.stderr).toContain('failed: database temporal at its schema version, after 2 attempts');
  });
});

describe('scripts/compose/worker-healthcheck.sh', () => {
  const describeJson = (identity: string) => JSON.stringify({ pollers: [{ lastAccessTime: '2026-11-30T10:00:00Z', identity, ratePerSecond: 100000 }] });
  const run = (identity: string | null) => {
    const dir = freshDir();
    fakeCommand(dir, 'uname', [{ match: '-n', failures: 0, output: 'c0ffee123456' }]);
    fakeCommand(dir, 'temporal', identity === null ? [{ match: 'task-queue describe', failures: 0, always: 'fail' }] : [{ match: 'task-queue describe', failures: 0, output: describeJson(identity) }]);
    return runScript('worker-healthcheck.sh', dir, { TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'default', TEMPORAL_TASK_QUEUE: 'mastery-pathway' });
  };

  it("is healthy when the server lists this container's worker among the task queue's pollers", () => {
    const r = run('7@c0ffee123456');
    expect(r.status, r.stderr).toBe(0);
    expect(r.calls).toContain('temporal task-queue describe --task-queue mastery-pathway --legacy-mode --partitions-legacy 4 --output json');
  });

  it("is unhealthy when only another container's worker polls, or the server cannot be asked", () => {
    const other = run('7@deadbeef0000');
    expect(other.status).toBe(1);
    expect(other.stderr).toContain('no poller from c0ffee123456 on task queue mastery-pathway');
    // A hostname that is a prefix of this one's is another container too.
    expect(run('7@c0ffee1234567').status).toBe(1);
    const down = run(null);
    expect(down.status).toBe(1);
    expect(down.stderr).toContain('cannot describe task queue mastery-pathway at temporal:7233');
  });
});

// ---------------------------------------------------------------------------

describe('Dockerfile', () => {
  const stages = dockerfile.split(/^(?=FROM )/m).filter((s) => s.startsWith('FROM'));
  const last = stages.at(-1)!;

  it('is multi-stage on a supported Node LTS (22 or 24, -slim, pinned to a minor)', () => {
    const nodeImages = [...dockerfile.matchAll(/^FROM (node:\S+)/gm)].map((m) => m[1]!);
    expect(nodeImages).toHaveLength(1);
    expect(nodeImages[0]).toMatch(/^node:(22|24)\.\d+-(bookworm|trixie)-slim$/);
    expect(stages.length).toBeGreaterThanOrEqual(3);
  });

  it('installs with npm ci, builds, and builds the workflow bundle at image build', () => {
    expect(dockerfile).toMatch(/^RUN npm ci --ignore-scripts$/m);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev --ignore-scripts/m);
    expect(dockerfile).toMatch(/^RUN npm run build --if-present && npm run build:workflow-bundle$/m);
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts['build:workflow-bundle']).toBe('node --import tsx scripts/build-workflow-bundle.ts');
  });

  it('points the worker at the bundle the build wrote, copied into the final stage', () => {
    expect(last).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
    expect(last).toMatch(/PATHWAY_WORKFLOW_BUNDLE=\/app\/dist\/workflow-bundle\.js/);
    expect(dockerfile).toMatch(/^WORKDIR \/app$/m);
    expect(read('scripts/build-workflow-bundle.ts')).toMatch(/DEFAULT_BUNDLE_PATH = 'dist\/workflow-bundle\.js'/);
  });

  it('runs as the unprivileged node user, with the temporal CLI of the compose admin-tools release', () => {
    expect(last).toMatch(/^USER node$/m);
    expect(last.indexOf('USER node')).toBeGreaterThan(last.indexOf('COPY --from=build'));
    expect(last).toMatch(/^COPY --from=temporal-cli \/usr\/local\/bin\/temporal \/usr\/local\/bin\/temporal$/m);
    expect(dockerfile).toContain(`FROM ${services['temporal-setup']!.image} AS temporal-cli`);
  });

  it('keeps local data, secrets and host builds out of the build context', () => {
    const ignored = read('.dockerignore').split('\n');
    for (const entry of ['node_modules', 'dist', '.git', '.env', '.pglite', 'mailbox']) expect(ignored, entry).toContain(entry);
  });
});

// ---------------------------------------------------------------------------

describe('the workflow bundle the image builds is the code the worker loads', () => {
  const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
  const apply: PathwayEventInput = { type: 'APPLY', at: london('2020-07-01'), programme: secondaryDev, school: secondarySchool, teachers: twoTeachers };
  const input: SchoolPathwayInput = { urn: '100042', inbox: [{ event: parseEvent(apply), actor: 'ops' }] };
  const at = '2021-01-04T09:00:00Z';
  const started = [
    {
      eventId: '1', eventTime: at, eventType: 'EVENT_TYPE_WORKFLOW_EXECUTION_STARTED',
      workflowExecutionStartedEventAttributes: {
        workflowType: { name: 'schoolPathway' }, taskQueue: { name: 'mastery-pathway' },
        input: { payloads: [{ metadata: { encoding: b64('json/plain') }, data: b64(JSON.stringify(input)) }] },
        workflowTaskTimeout: '10s', originalExecutionRunId: 'run-1', firstExecutionRunId: 'run-1', attempt: 1,
      },
    },
    { eventId: '2', eventTime: at, eventType: 'EVENT_TYPE_WORKFLOW_TASK_SCHEDULED', workflowTaskScheduledEventAttributes: { taskQueue: { name: 'mastery-pathway' }, startToCloseTimeout: '10s', attempt: 1 } },
    { eventId: '3', eventTime: at, eventType: 'EVENT_TYPE_WORKFLOW_TASK_STARTED', workflowTaskStartedEventAttributes: { scheduledEventId: '2', identity: 'test', requestId: 'req-1' } },
  ];
  /** The history after the first task completed, having scheduled `activityType`: what a server records. */
  const completedWith = (activityType: string) =>
    historyFromJSON({
      events: [
        ...started,
        { eventId: '4', eventTime: '2021-01-04T09:00:01Z', eventType: 'EVENT_TYPE_WORKFLOW_TASK_COMPLETED', workflowTaskCompletedEventAttributes: { scheduledEventId: '2', startedEventId: '3', identity: 'test' } },
        {
          eventId: '5', eventTime: '2021-01-04T09:00:01Z', eventType: 'EVENT_TYPE_ACTIVITY_TASK_SCHEDULED',
          activityTaskScheduledEventAttributes: { activityId: '1', activityType: { name: activityType }, taskQueue: { name: 'mastery-pathway' }, startToCloseTimeout: '30s', workflowTaskCompletedEventId: '4' },
        },
      ],
    });
  const bundlePath = join(scratch, 'image', 'dist', 'workflow-bundle.js');

  it('builds with the script the Dockerfile runs, and the worker config takes its path from PATHWAY_WORKFLOW_BUNDLE', async () => {
    const warnings: string[] = [];
    const built = await buildWorkflowBundle(bundlePath, (line) => warnings.push(line));
    expect(warnings).toEqual([]);
    expect(built.path).toBe(bundlePath);
    const code = readFileSync(bundlePath, 'utf8');
    expect(built.bytes).toBe(Buffer.byteLength(code));
    expect(code).toContain('workflows/school-pathway.ts');
    const config = workerConfigFromEnv({ TEMPORAL_ADDRESS: 'temporal:7233', PATHWAY_WORKFLOW_BUNDLE: ` ${bundlePath} ` });
    expect(config.workflowBundlePath).toBe(bundlePath);
    expect(workflowSource(config)).toEqual({ workflowBundle: { codePath: bundlePath } });
    // Unset, the worker bundles the sources at start as before.
    expect(workflowSource(workerConfigFromEnv({ TEMPORAL_ADDRESS: 'temporal:7233' }))).toEqual({ workflowsPath: WORKFLOWS_PATH });
    // `pathway worker` takes it from the configuration (config/), as the image sets it.
    expect(loadConfig({ PATHWAY_WORKFLOW_BUNDLE: bundlePath }).workflowBundle).toBe(bundlePath);
    vi.stubEnv('TEMPORAL_ADDRESS', 'temporal:7233');
    vi.stubEnv('PATHWAY_WORKFLOW_BUNDLE', bundlePath);
    try {
      expect(workflowSource(workerConfig())).toEqual({ workflowBundle: { codePath: bundlePath } });
      vi.stubEnv('PATHWAY_WORKFLOW_BUNDLE', '');
      expect(workflowSource(workerConfig())).toEqual({ workflowsPath: WORKFLOWS_PATH });
    } finally {
      vi.unstubAllEnvs();
    }
  }, 120_000);

  it("replays a server's history with the worker's own options over that file, and its decisions are checked (a history that scheduled another activity fails)", async () => {
    expect(existsSync(bundlePath)).toBe(true);
    installReplayRuntime();
    // What the current workflow code schedules first for this input (the replay probe reports it).
    const probe = await replayHistory(historyFromJSON({ events: started }), { workflowBundle: await replayBundle(), workflowId: 'school-100042' });
    expect(probe.outcome, probe.message).toBe('replayed');
    const first = probe.activities[0]?.activityType;
    expect(first, 'the first activity the workflow schedules').toBeTruthy();

    const options = workflowSource({ workflowBundlePath: bundlePath });
    await expect(Worker.runReplayHistory({ ...options, replayName: 'bundle-check' }, completedWith(first!), 'school-100042')).resolves.toBeUndefined();
    // Control: the same history recording a different activity is refused by the bundle's code, so the replay above did check it.
    await expect(Worker.runReplayHistory({ ...options, replayName: 'bundle-check' }, completedWith(`${first}Elsewhere`), 'school-100042')).rejects.toBeInstanceOf(DeterminismViolationError);
  }, 120_000);

  it('stops the worker at start, naming the setting, when PATHWAY_WORKFLOW_BUNDLE points at nothing', () => {
    const missing = join(scratch, 'no-such-bundle.js');
    expect(() => workflowSource({ workflowBundlePath: missing })).toThrow(WorkflowBundleMissingError);
    expect(() => workflowSource({ workflowBundlePath: missing })).toThrow(`PATHWAY_WORKFLOW_BUNDLE is ${JSON.stringify(missing)}, but there is no file there`);
  });
});

// ---------------------------------------------------------------------------

describe('npm run test:temporal (scripts/test-temporal.ts)', () => {
  const result = (over: Partial<SpawnSyncReturns<string>> = {}) => ({ pid: 1, output: [], stdout: '', stderr: '', status: 0, signal: null, ...over }) as SpawnSyncReturns<string>;
  const said: string[] = [];
  const quietly = <T>(f: () => T): T => {
    const log = console.log;
    const error = console.error;
    said.length = 0;
    console.log = (...a: unknown[]) => void said.push(a.join(' '));
    console.error = (...a: unknown[]) => void said.push(a.join(' '));
    try {
      return f();
    } finally {
      console.log = log;
      console.error = error;
    }
  };

  it('stops at once with exit 1, saying why, on a machine without a container engine (run as npm runs it)', () => {
    const dir = freshDir();
    writeFileSync(join(dir, 'docker'), '#!/bin/sh\necho "$*" >> "$(dirname "$0")/calls.log"\necho "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?" >&2\nexit 1\n');
    chmodSync(join(dir, 'docker'), 0o755);
    const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string> };
    expect(pkg.scripts['test:temporal']).toBe('node --import tsx scripts/test-temporal.ts');
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/test-temporal.ts'], { cwd: new URL('..', import.meta.url).pathname, env: { PATH: `${dir}:/usr/bin:/bin`, HOME: dir }, encoding: 'utf8', timeout: 60_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('npm run test:temporal needs a container engine (Docker with Compose 2.23.1 or later)');
    expect(r.stderr).toContain('no container engine answers (`docker info`: Cannot connect to the Docker daemon');
    expect(r.stderr).toContain('It cannot run on this machine');
    // It asked, and started nothing.
    expect(readFileSync(join(dir, 'calls.log'), 'utf8').trim().split('\n')).toEqual(['info --format {{.ServerVersion}}']);
  });

  it('names the missing piece: no docker command, no engine, no Compose plugin, a Compose too old for the file', () => {
    const enoent = Object.assign(new Error('spawn docker ENOENT'), { code: 'ENOENT' });
    expect(containerEngineProblem(() => result({ status: null, error: enoent }))).toBe('there is no `docker` command on this machine');
    expect(containerEngineProblem((_c, args) => (args[0] === 'info' ? result({ status: 1, stderr: 'Cannot connect to the Docker daemon\nmore' }) : result()))).toBe('no container engine answers (`docker info`: Cannot connect to the Docker daemon)');
    expect(containerEngineProblem((_c, args) => (args[0] === 'compose' ? result({ status: 1, stderr: "docker: unknown command: docker compose" }) : result()))).toBe('the Docker Compose plugin is missing (`docker compose version`: docker: unknown command: docker compose)');
    expect(containerEngineProblem((_c, args) => (args[0] === 'compose' ? result({ stdout: 'v2.22.0\n' }) : result()))).toBe('Docker Compose is 2.22.0, older than the 2.23.1 that docker-compose.yml needs');
    expect(containerEngineProblem((_c, args) => (args[0] === 'compose' ? result({ stdout: '2.23.1\n' }) : result()))).toBeNull();
    expect(containerEngineProblem((_c, args) => (args[0] === 'compose' ? result({ stdout: '2.40.3-desktop.1\n' }) : result()))).toBeNull();
    expect(containerEngineProblem(() => result())).toBeNull();
  });

  it('brings the stack up under its own project with a throwaway password, and takes it down with its volumes even when it does not come up', () => {
    const calls: { args: string[]; env: NodeJS.ProcessEnv }[] = [];
    const code = quietly(() =>
      testTemporal({ PATH: process.env.PATH }, () => result(), (_c, args, env) => {
        calls.push({ args, env: env! });
        return result({ status: args.includes('up') ? 1 : 0 });
      }),
    );
    expect(code).toBe(1);
    expect(said.at(-1)).toBe('test:temporal: the stack did not come up healthy (docker compose up exit 1); its state and the setup logs are above');
    const compose = ['compose', '--project-name', PROJECT, '--env-file', '.env.example'];
    expect(calls.map((c) => c.args)).toEqual([
      [...compose, 'up', '--detach', '--build', '--wait', '--wait-timeout', '900'],
      [...compose, 'ps', '--all'],
      [...compose, 'logs', '--tail', '50', 'temporal-schema', 'temporal-setup', 'temporal', 'worker'],
      [...compose, 'down', '--volumes', '--remove-orphans'],
    ]);
    const password = calls[0]!.env.POSTGRES_PASSWORD!;
    expect(password).toMatch(/^[0-9a-f]{36}$/);
    expect(calls[0]!.env.PATHWAY_POSTGRES_PORT).toBe(TEST_POSTGRES_PORT);
    // Another run, another password.
    const again: string[] = [];
    quietly(() => testTemporal({}, () => result(), (_c, args, env) => (again.push(env!.POSTGRES_PASSWORD!), result({ status: args.includes('up') ? 1 : 0 }))));
    expect(again[0]).not.toBe(password);
  });

  it('points the suite at the stack: Temporal on 127.0.0.1:7233, the audit log through the published Postgres port', () => {
    expect(suiteEnvForStack({ TEMPORAL_NAMESPACE: 'pathway' }, 'abc123', '55432')).toMatchObject({
      TEMPORAL_ADDRESS: '127.0.0.1:7233',
      TEMPORAL_NAMESPACE: 'pathway',
      TEMPORAL_TASK_QUEUE: 'mastery-pathway',
      DATABASE_URL: 'postgres://pathway:abc123@127.0.0.1:55432/pathway',
    });
    expect(services.postgres!.ports![0]).toBe('127.0.0.1:${PATHWAY_POSTGRES_PORT:-5432}:5432');
    expect(services.temporal!.ports).toEqual(['127.0.0.1:7233:7233']);
  });

  it('with TEMPORAL_ADDRESS set uses that server and starts no stack, but needs DATABASE_URL', () => {
    let asked = false;
    const code = quietly(() => testTemporal({ TEMPORAL_ADDRESS: 'temporal.example.org:7233' }, () => ((asked = true), result()), () => ((asked = true), result())));
    expect(code).toBe(1);
    expect(asked).toBe(false);
    expect(said).toEqual(['test:temporal: TEMPORAL_ADDRESS is set but DATABASE_URL is not: the suite reads the audit log the worker writes (postgres://…)']);
  });
});

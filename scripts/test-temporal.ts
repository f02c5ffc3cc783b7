/**
 * `npm run test:temporal`: the shared scenario suite (test/temporal-scenarios.test.ts)
 * against a real Temporal server, with the same assertions as on the
 * embedded host.
 *
 * - TEMPORAL_ADDRESS set: uses that server as it is (DATABASE_URL must name
 *   the Postgres audit log its worker writes).
 * - Otherwise: brings docker-compose.yml up under its own project name with a
 *   throwaway Postgres password (`docker compose up -d --build --wait`, which
 *   returns once every long-running service is healthy and every one-shot
 *   setup has exited 0), runs the suite against it, and takes the stack down
 *   with its volumes (KEEP_STACK=1 leaves it up to look at).
 *
 * Fails (exit 1) with a message saying so when no container engine is
 * there, and when the suite skipped its cases instead of running them.
 * Not pure: runs docker and vitest.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SUITE = 'test/temporal-scenarios.test.ts';
export const PROJECT = 'mastery-pathway-temporal-test';
/** Host port for the test stack's Postgres, away from a local Postgres on 5432. */
export const TEST_POSTGRES_PORT = '55432';

export class NoContainerEngineError extends Error {
  override readonly name = 'NoContainerEngineError';
}

type Run = (command: string, args: string[], env?: NodeJS.ProcessEnv) => SpawnSyncReturns<string>;

const run: Run = (command, args, env) => spawnSync(command, args, { cwd: ROOT, env: env ?? process.env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
const runShown: Run = (command, args, env) => spawnSync(command, args, { cwd: ROOT, env: env ?? process.env, encoding: 'utf8', stdio: 'inherit' });

/** Why this machine cannot bring the stack up, or null when it can (docker with Compose, and an engine that answers). Not pure: runs docker. */
export function containerEngineProblem(probe: Run = run): string | null {
  const firstLine = (r: SpawnSyncReturns<string>) => `${r.stderr ?? ''}\n${r.stdout ?? ''}`.split('\n').map((l) => l.trim()).find(Boolean) ?? `exit ${r.status}`;
  const info = probe('docker', ['info', '--format', '{{.ServerVersion}}']);
  if (info.error && (info.error as NodeJS.ErrnoException).code === 'ENOENT') return 'there is no `docker` command on this machine';
  if (info.status !== 0) return `no container engine answers (\`docker info\`: ${firstLine(info)})`;
  const compose = probe('docker', ['compose', 'version', '--short']);
  if (compose.status !== 0) return `the Docker Compose plugin is missing (\`docker compose version\`: ${firstLine(compose)})`;
  // docker-compose.yml's inline configs.content needs Compose 2.23.1.
  const version = /(\d+)\.(\d+)\.(\d+)/.exec(compose.stdout ?? '');
  if (version) {
    const [major, minor, patch] = version.slice(1).map(Number) as [number, number, number];
    const old = major < 2 || (major === 2 && (minor < 23 || (minor === 23 && patch < 1)));
    if (old) return `Docker Compose is ${version[0]}, older than the 2.23.1 that docker-compose.yml needs`;
  }
  return null;
}

/** The suite's environment against the compose stack. Pure. */
export function suiteEnvForStack(env: NodeJS.ProcessEnv, password: string, postgresPort: string): NodeJS.ProcessEnv {
  return {
    ...env,
    TEMPORAL_ADDRESS: '127.0.0.1:7233',
    TEMPORAL_NAMESPACE: env.TEMPORAL_NAMESPACE || 'default',
    TEMPORAL_TASK_QUEUE: env.TEMPORAL_TASK_QUEUE || 'mastery-pathway',
    DATABASE_URL: `postgres://pathway:${password}@127.0.0.1:${postgresPort}/pathway`,
  };
}

/** Run the scenario suite; throws when it failed or when it skipped instead of running. Not pure. */
function runSuite(env: NodeJS.ProcessEnv): void {
  const scratch = mkdtempSync(join(tmpdir(), 'pathway-test-temporal-'));
  const report = join(scratch, 'report.json');
  try {
    const vitest = join(ROOT, 'node_modules', 'vitest', 'vitest.mjs');
    const r = runShown(process.execPath, [vitest, 'run', SUITE, '--reporter=default', '--reporter=json', `--outputFile.json=${report}`], env);
    const counts = JSON.parse(readFileSync(report, 'utf8')) as { numTotalTests: number; numPassedTests: number; numPendingTests: number; numTodoTests: number };
    if (counts.numTotalTests === 0 || counts.numPendingTests + counts.numTodoTests > 0) {
      throw new Error(`the scenario suite skipped ${counts.numPendingTests + counts.numTodoTests} of ${counts.numTotalTests} cases instead of running them against ${env.TEMPORAL_ADDRESS}`);
    }
    if (r.status !== 0) throw new Error(`the scenario suite failed against ${env.TEMPORAL_ADDRESS} (${counts.numPassedTests} of ${counts.numTotalTests} passed)`);
    console.log(`test:temporal: ${counts.numPassedTests} of ${counts.numTotalTests} scenario cases passed against ${env.TEMPORAL_ADDRESS}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

/** The whole run; resolves to the exit code. Not pure. */
export function main(env: NodeJS.ProcessEnv = process.env, probe: Run = run, shown: Run = runShown): number {
  try {
    if (env.TEMPORAL_ADDRESS) {
      if (!env.DATABASE_URL) throw new Error('TEMPORAL_ADDRESS is set but DATABASE_URL is not: the suite reads the audit log the worker writes (postgres://…)');
      console.log(`test:temporal: using the Temporal server at ${env.TEMPORAL_ADDRESS} (TEMPORAL_ADDRESS is set; no stack is started)`);
      runSuite(env);
      return 0;
    }
    const problem = containerEngineProblem(probe);
    if (problem) {
      throw new NoContainerEngineError(
        `npm run test:temporal needs a container engine (Docker with Compose 2.23.1 or later) to start Temporal, and ${problem}. ` +
          'It cannot run on this machine; the rest of the tests (npm test) cover the Temporal host without a server. ' +
          'Or set TEMPORAL_ADDRESS (and DATABASE_URL) to run the suite against a Temporal server that is already up.',
      );
    }
    const password = env.POSTGRES_PASSWORD || randomBytes(18).toString('hex');
    const postgresPort = env.PATHWAY_POSTGRES_PORT || TEST_POSTGRES_PORT;
    const composeEnv = { ...env, POSTGRES_PASSWORD: password, PATHWAY_POSTGRES_PORT: postgresPort };
    // .env.example, not a developer's .env: the stack gets the documented defaults, and this run's environment (which wins) for the rest.
    const compose = (...args: string[]) => shown('docker', ['compose', '--project-name', PROJECT, '--env-file', '.env.example', ...args], composeEnv);
    const down = () => {
      if (env.KEEP_STACK === '1') {
        console.log(`test:temporal: KEEP_STACK=1, leaving the stack up; take it down with: docker compose --project-name ${PROJECT} down --volumes`);
        return;
      }
      compose('down', '--volumes', '--remove-orphans');
    };
    const onSignal = () => {
      down();
      process.exit(130);
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      console.log(`test:temporal: bringing up docker-compose.yml as project ${PROJECT} (Postgres on 127.0.0.1:${postgresPort})`);
      const up = compose('up', '--detach', '--build', '--wait', '--wait-timeout', '900');
      if (up.status !== 0) {
        compose('ps', '--all');
        compose('logs', '--tail', '50', 'temporal-schema', 'temporal-setup', 'temporal', 'worker');
        throw new Error(`the stack did not come up healthy (docker compose up exit ${up.status}); its state and the setup logs are above`);
      }
      runSuite(suiteEnvForStack(env, password, postgresPort));
      return 0;
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
      down();
    }
  } catch (err) {
    console.error(`test:temporal: ${(err as Error).message}`);
    return 1;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  process.exitCode = main();
}

/**
 * The worker's own checks, without a Temporal server: the server version it
 * needs (MIN_SERVER_VERSION, checked at start from GetSystemInfo, here against
 * a stand-in gRPC server on 127.0.0.1 that answers only GetSystemInfo) and the
 * heartbeats of the slow activities (worker/heartbeat.ts) inside the SDK's
 * activity context (MockActivityEnvironment, and the fake's executor).
 */
import { describe, expect, it } from 'vitest';
import { runWorker } from '../worker/main.js';
import { standInFrontend } from './temporal-grpc.js';
import { MockActivityEnvironment } from '@temporalio/testing';
import { MIN_SERVER_VERSION, ServerTooOldError, judgeServerVersion, parseServerVersion } from '../worker/server-version.js';
import { withHeartbeat } from '../worker/heartbeat.js';
import { runAttempt } from './temporal-fake.js';

describe('the Temporal server version the worker needs', () => {
  it('is 1.30.2, the first that sends targetWorkerDeploymentVersionChanged', () => {
    expect(MIN_SERVER_VERSION).toBe('1.30.2');
  });

  it.each([
    ['1.30.2', 'ok'],
    ['1.31.0', 'ok'],
    ['1.30.10', 'ok'],
    ['2.0.0', 'ok'],
    ['1.30.2-rc.1', 'ok'],
    ['1.30.1', 'too-old'],
    ['1.30.0', 'too-old'],
    ['1.28.1', 'too-old'],
    ['0.99.99', 'too-old'],
    ['', 'unknown'],
    [undefined, 'unknown'],
  ] as const)('%s is %s', (version, judged) => {
    expect(judgeServerVersion(version)).toBe(judged);
  });

  it('reads the numbers, and names the version, the need and the fix when refusing', () => {
    expect(parseServerVersion('1.28.0')).toEqual([1, 28, 0]);
    expect(new ServerTooOldError('1.28.0', 'localhost:7233').message).toBe(
      'the Temporal server at localhost:7233 is version 1.28.0; the pathway worker needs 1.30.2 or later (schools move to new rules at the year end only with targetWorkerDeploymentVersionChanged, sent from 1.30.2). ' +
        'Upgrade the server (docker-compose.yml pins it), or point TEMPORAL_ADDRESS at one that is 1.30.2 or later.',
    );
  });
});

describe('the worker at start', () => {
  it('refuses a server older than 1.30.2 before it opens the database', async () => {
    const server = await standInFrontend('1.28.0');
    let opened = false;
    try {
      const err = await runWorker({ address: server.address, namespace: 'default', taskQueue: 'q', activities: async () => ((opened = true), Promise.reject(new Error('opened'))) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ServerTooOldError);
      expect((err as Error).message).toContain(`the Temporal server at ${server.address} is version 1.28.0; the pathway worker needs 1.30.2 or later`);
      expect(opened).toBe(false);
      expect(server.requests.GetSystemInfo?.length).toBeGreaterThanOrEqual(1);
    } finally {
      server.stop();
    }
  }, 60_000);

  it('goes on to open the database on a 1.31 server', async () => {
    const server = await standInFrontend('1.31.1');
    try {
      const err = await runWorker({ address: server.address, namespace: 'default', taskQueue: 'q', activities: async () => Promise.reject(new Error('the database was opened')) }).catch((e: unknown) => e);
      expect((err as Error).message).toBe('the database was opened');
    } finally {
      server.stop();
    }
  }, 60_000);
});

describe('heartbeats of a slow send', () => {
  const slow = async (ms: number) => {
    await new Promise((r) => setTimeout(r, ms));
    return 'sent';
  };

  it('beat at the start and every interval while the send runs, and stop after it', async () => {
    const env = new MockActivityEnvironment();
    const beats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => beats.push(d));
    await expect(env.run(withHeartbeat(slow, 20), 110)).resolves.toBe('sent');
    const during = beats.length;
    expect(during).toBeGreaterThanOrEqual(4); // one at the start, then about every 20 ms of 110
    await new Promise((r) => setTimeout(r, 60));
    expect(beats.length).toBe(during);
  });

  it('stop when the send fails, and pass its error on', async () => {
    const env = new MockActivityEnvironment();
    let beats = 0;
    env.on('heartbeat', () => beats++);
    const failing = withHeartbeat(async () => Promise.reject(new Error('SMTP 421')), 5);
    await expect(env.run(failing)).rejects.toThrow('SMTP 421');
    const after = beats;
    await new Promise((r) => setTimeout(r, 30));
    expect(beats).toBe(after);
  });

  it('reach the activity context of the fake\'s executor too, and do nothing outside an activity', async () => {
    const beats: unknown[] = [];
    // A send of 200 ms: ample time for three beats 10 ms apart even when the machine is busy (50 ms gave two under load).
    const r = await runAttempt(withHeartbeat(slow, 10), [200], 1, (d) => beats.push(d));
    expect(r).toEqual({ ok: true, value: 'sent' });
    expect(beats.length).toBeGreaterThanOrEqual(3);
    await expect(withHeartbeat(slow, 10)(1)).resolves.toBe('sent');
  });
});

/**
 * Worker threads for the benches: each runs bench/worker.ts under tsx,
 * through bench/ts-entry.mjs (a worker does not inherit the main thread's
 * loader). Not pure.
 */
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { WorkerReply, WorkerTask } from './worker.js';

/** A worker's young generation, MB: as `npm start`'s --max-semi-space-size=64 gives the service (V8 sizes it at three semi-spaces). */
export const YOUNG_GENERATION_MB = 192;

/**
 * Runs `task` in a new worker thread and resolves with its result. Progress
 * messages go to `onProgress`. The worker is gone when the promise settles.
 */
export function runInWorker<R>(task: WorkerTask, onProgress?: (n: number) => void): Promise<R> {
  return new Promise<R>((resolve, reject) => {
    const worker = new Worker(new URL('./ts-entry.mjs', import.meta.url), {
      argv: [fileURLToPath(new URL('./worker.ts', import.meta.url))],
      workerData: task,
      resourceLimits: {
        // Large shards hold a few hundred MB of history text and parsed events.
        maxOldGenerationSizeMb: 4096,
        // The young generation `npm start` gives the service (--max-semi-space-size=64: three semi-spaces).
        // With V8's default (16 MB semi-spaces) each chunk of parsed events was still young when its fold
        // began, and scavenging it cost the fold a quarter of its time on one thread, a third on two.
        maxYoungGenerationSizeMb: YOUNG_GENERATION_MB,
      },
    });
    let settled = false;
    worker.on('message', (m: WorkerReply) => {
      if (m.type === 'progress') onProgress?.(m.done);
      else if (m.type === 'done') {
        settled = true;
        resolve(m.result as R);
      } else if (m.type === 'error') {
        settled = true;
        reject(new Error(`bench worker (${task.task}) failed: ${m.message}`));
      }
    });
    worker.on('error', (err) => {
      if (!settled) reject(err);
      settled = true;
    });
    worker.on('exit', (code) => {
      if (!settled) reject(new Error(`bench worker (${task.task}) exited with code ${code} before it finished`));
      settled = true;
    });
  });
}

/** Runs one task per shard in parallel threads; `onProgress` gets the total done across them. */
export async function runSharded<R>(shards: number, makeTask: (shard: number) => WorkerTask, onProgress?: (total: number) => void): Promise<R[]> {
  const done = new Array<number>(shards).fill(0);
  return Promise.all(
    Array.from({ length: shards }, (_, shard) =>
      runInWorker<R>(makeTask(shard), (n) => {
        done[shard] = n;
        onProgress?.(done.reduce((a, b) => a + b, 0));
      }),
    ),
  );
}

/**
 * Entry point of a bench worker thread (started by threads.ts under tsx):
 * runs one task from `workerData` and posts progress and the result back.
 * Not pure.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { HistoryOptions } from './histories.js';
import type { HistoryManifest } from './history-file.js';

export type WorkerTask =
  | { task: 'generate'; options: HistoryOptions; shard: number; shards: number; file: string }
  | { task: 'fold'; manifest: HistoryManifest; shard: number; shards: number };

export type WorkerReply = { type: 'progress'; done: number } | { type: 'done'; result: unknown } | { type: 'error'; message: string };

async function run(task: WorkerTask): Promise<unknown> {
  const progress = (done: number) => parentPort!.postMessage({ type: 'progress', done } satisfies WorkerReply);
  if (task.task === 'generate') {
    const { writeShard } = await import('./history-file.js');
    return writeShard(task.options, task.shard, task.shards, task.file, progress);
  }
  const { foldShard } = await import('./fold-core.js');
  return foldShard(task.manifest, task.shard, task.shards, progress);
}

if (parentPort) {
  run(workerData as WorkerTask).then(
    (result) => parentPort!.postMessage({ type: 'done', result } satisfies WorkerReply),
    (err: unknown) => parentPort!.postMessage({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies WorkerReply),
  );
}

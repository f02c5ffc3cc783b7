/**
 * Child process of the API bench: the hub service on one database, set up
 * with the bench's schools and an admin token, listening on loopback, as
 * `npm start` runs it (its own process, the start script's Node flags), so
 * the latency and RSS measured are the server's alone and not those of the
 * bench process with the earlier benches' leftovers in its heap. Started by
 * bench/api.ts (startApiServer) through bench/ts-entry.mjs. Not pure.
 */
import { SimulatedClock } from '../host/clock.js';
import { openService } from '../service/open.js';
import { buildApi } from '../api/server.js';
import { addUser } from '../service/users.js';
import { ACTOR, fillSchools, nullMailer } from './api.js';
import { useHostHeap } from '../bin/host-heap.mjs';

export interface ApiServerTask {
  db: string;
  schools: number;
}

export type ApiServerAsk = { type: 'rss' } | { type: 'stop' };

export type ApiServerMessage =
  | { type: 'ready'; base: string; token: string; urns: string[] }
  | { type: 'rss'; bytes: number }
  | { type: 'stopped' }
  | { type: 'error'; message: string };

async function serve(task: ApiServerTask, say: (m: ApiServerMessage) => void): Promise<void> {
  const opened = await openService({ db: task.db, clock: new SimulatedClock('2020-09-10T09:00:00Z'), mailer: nullMailer() });
  // The bench measures latency, not the per-token write limit (200 requests/s, a tenth of them writes, would meet it).
  const app = await buildApi(opened.service, { limits: { writesPerMinute: 1_000_000 } });
  const urns = await fillSchools(opened.embedded!, task.schools, { activeOnly: true });
  const { token } = await addUser(opened.service, { id: ACTOR, name: ACTOR, role: 'admin', hubs: [] }, { name: 'Bench Admin', role: 'admin' });
  const base = await app.listen({ port: 0, host: '127.0.0.1' });
  process.on('message', (ask: ApiServerAsk) => {
    if (ask.type === 'rss') say({ type: 'rss', bytes: process.memoryUsage.rss() });
    else
      void app
        .close()
        .then(() => opened.close())
        .then(() => say({ type: 'stopped' }))
        .finally(() => process.disconnect());
  });
  say({ type: 'ready', base, token, urns });
}

// As a forked child: the task in the first message; then answers "rss" and "stop".
if (process.send && process.env.PATHWAY_BENCH_CHILD === 'api-server') {
  // As `npm start` runs the server (bin/pathway.mjs): a long-running host's heap growth.
  useHostHeap();
  process.once('message', (task: ApiServerTask) => {
    serve(task, (m) => process.send!(m)).catch((err: unknown) => {
      process.send!({ type: 'error', message: err instanceof Error ? (err.stack ?? err.message) : String(err) } satisfies ApiServerMessage);
      process.disconnect();
    });
  });
}

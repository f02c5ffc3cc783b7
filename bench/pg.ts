/**
 * Postgres for the benches: a fresh database per run (created and dropped
 * here), and the COPY baselines (rows in by `COPY ... FROM STDIN`, rows out
 * by `COPY ... TO STDOUT`) through pg-copy-streams. Not pure.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { describePostgresUrl } from '../store/db.js';

export const DEFAULT_POSTGRES_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** The server to create bench databases on: TEST_DATABASE_URL, else DATABASE_URL if it is a postgres URL, else the local test server. Reads the environment. */
export function benchPostgresUrl(env: NodeJS.ProcessEnv = process.env): string {
  for (const v of [env.TEST_DATABASE_URL, env.DATABASE_URL]) {
    const t = v?.trim();
    if (t && /^postgres(ql)?:\/\//i.test(t)) return t;
  }
  return DEFAULT_POSTGRES_URL;
}

export interface BenchDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  try {
    await client.connect();
  } catch (err) {
    await client.end().catch(() => undefined);
    throw new Error(
      `the durable and replay benches need Postgres at ${describePostgresUrl(url)} (TEST_DATABASE_URL or DATABASE_URL, default ${DEFAULT_POSTGRES_URL}) and could not connect: ${err instanceof Error ? err.message : String(err)}`,
      { cause: err },
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database pathway_bench_<pid>_<time> on the server of `serverUrl`; drop() removes it. */
export async function createBenchDatabase(serverUrl: string): Promise<BenchDatabase> {
  const name = `pathway_bench_${process.pid}_${Date.now().toString(36)}`;
  await withClient(serverUrl, async (c) => {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${name}"`);
  });
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: u.toString(),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      await withClient(serverUrl, (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
    },
  };
}

/** `COPY (<query>) TO STDOUT` into a file (text format); returns the bytes written. */
export async function copyOutToFile(url: string, query: string, file: string): Promise<number> {
  return withClient(url, async (c) => {
    const out = createWriteStream(file);
    await pipeline(c.query(copyTo(`COPY (${query}) TO STDOUT`)), out);
    return out.bytesWritten;
  });
}

/** `COPY <table> FROM STDIN` from a file in COPY text format; returns the rows Postgres reports and the ms it took. */
export async function copyInFromFile(url: string, table: string, file: string, columns: string): Promise<{ rows: number; ms: number }> {
  return withClient(url, async (c) => {
    const started = performance.now();
    const sink = c.query(copyFrom(`COPY ${table} (${columns}) FROM STDIN`));
    await pipeline(createReadStream(file, { highWaterMark: 1 << 20 }), sink);
    return { rows: Number(sink.rowCount ?? 0), ms: performance.now() - started };
  });
}

/** `COPY (<query>) TO STDOUT`, every byte thrown away: the time Postgres takes only to stream the rows out. */
export async function copyOutDiscarded(url: string, query: string): Promise<{ bytes: number; ms: number }> {
  return withClient(url, async (c) => {
    let bytes = 0;
    const started = performance.now();
    await pipeline(
      c.query(copyTo(`COPY (${query}) TO STDOUT`)),
      new Writable({
        write(chunk: Buffer, _enc, done) {
          bytes += chunk.length;
          done();
        },
      }),
    );
    return { bytes, ms: performance.now() - started };
  });
}

/** Runs SQL statements on `url` (one client, closed after). */
export async function execSql(url: string, sql: string): Promise<void> {
  await withClient(url, async (c) => {
    await c.query(sql);
  });
}

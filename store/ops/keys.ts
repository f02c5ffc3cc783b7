/**
 * The service's secret keys (table service_keys, migration 014): made at
 * random the first time a key is asked for, then read back, so every process
 * of a deployment shares them. Not pure (database I/O, randomness).
 */
import { randomBytes } from 'node:crypto';
import type { Db } from '../db.js';

/** Names of the keys the service uses. */
export type KeyName = 'web-session' | 'school-links';

/** Keys never change once stored, so each database is asked once per process. */
const cache = new WeakMap<Db, Map<KeyName, Promise<Buffer>>>();

/**
 * The 32-byte key `name`, made on first use. Two processes racing on the
 * first use both end up with the one that was stored first. A failed read is
 * not cached.
 */
export function serviceKey(db: Db, name: KeyName): Promise<Buffer> {
  let keys = cache.get(db);
  if (!keys) cache.set(db, (keys = new Map()));
  let key = keys.get(name);
  if (!key) {
    key = readOrMakeKey(db, name);
    keys.set(name, key);
    key.catch(() => keys!.delete(name));
  }
  return key;
}

async function readOrMakeKey(db: Db, name: KeyName): Promise<Buffer> {
  const made = randomBytes(32);
  await db.query('INSERT INTO service_keys (name, secret) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING', [name, made]);
  const { rows } = await db.query<{ secret: Uint8Array }>('SELECT secret FROM service_keys WHERE name = $1', [name]);
  const secret = rows[0]?.secret;
  if (!secret) throw new Error(`service key "${name}" was not stored`);
  return Buffer.from(secret);
}

/**
 * A JSON value as Postgres prints it from jsonb (`value::text`), written
 * here so that a state folded in memory can be digested as the database
 * digests the state it keeps (store/replay.ts) without reading it back.
 *
 * jsonb orders an object's keys shorter first (in UTF-8 bytes), then by
 * bytes, and puts ", " and ": " between items. Sorting the keys was most of
 * the work, and a state holds many objects of a few shapes (its sessions,
 * teachers, timers), so each shape's order is worked out once and kept: a
 * shape is the list of keys in the order the object has them, which is the
 * order V8 gives them back in. Pure: the cache changes no result.
 */

const NON_ASCII = /[^\x00-\x7f]/;

/** One object shape: its keys in their own order, and the positions of those keys in jsonb's order, each with its quoted key. */
interface Shape {
  keys: readonly string[];
  order: readonly number[];
  quoted: readonly string[];
}

/** Shapes by first key; a first key with many shapes (keys as data, such as a map by id) stops being cached. */
const shapes = new Map<string, Shape[]>();
const SHAPES_PER_FIRST_KEY = 16;
const MAX_FIRST_KEYS = 4096;

/** jsonb's order of object keys: for ASCII keys, by length then code units. */
function byAsciiKey(a: string, b: string): number {
  return a.length - b.length || (a < b ? -1 : a > b ? 1 : 0);
}
function byUtf8Key(a: string, b: string): number {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length - y.length || Buffer.compare(x, y);
}

function shapeOf(keys: string[]): Shape {
  const first = keys[0]!;
  const known = shapes.get(first);
  if (known) {
    for (const s of known) if (sameKeys(s.keys, keys)) return s;
  }
  const ascii = !keys.some((k) => NON_ASCII.test(k));
  const order = keys.map((_, i) => i);
  const compare = ascii ? byAsciiKey : byUtf8Key;
  order.sort((a, b) => compare(keys[a]!, keys[b]!));
  const shape: Shape = { keys, order, quoted: order.map((i) => `${JSON.stringify(keys[i])}: `) };
  if (known) {
    if (known.length < SHAPES_PER_FIRST_KEY) known.push(shape);
  } else if (shapes.size < MAX_FIRST_KEYS) shapes.set(first, [shape]);
  return shape;
}

function sameKeys(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/**
 * `v` printed as Postgres prints it as jsonb. A key holding undefined is left
 * out, as JSON.stringify leaves it. Numbers JavaScript writes in exponent
 * form (1e+21) print otherwise in Postgres; a state holding one only misses
 * a digest comparison and is then compared whole. Pure.
 */
export function jsonbText(v: unknown): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? String(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'object':
      break;
    default:
      return 'null';
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) {
    if (v.length === 0) return '[]';
    let out = `[${jsonbText(v[0])}`;
    for (let i = 1; i < v.length; i++) out += `, ${jsonbText(v[i])}`;
    return `${out}]`;
  }
  const o = v as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 0) return '{}';
  const shape = shapeOf(keys);
  let out = '{';
  for (let i = 0; i < shape.order.length; i++) {
    const value = o[keys[shape.order[i]!]!];
    if (value === undefined) continue;
    out += `${out.length === 1 ? '' : ', '}${shape.quoted[i]}${jsonbText(value)}`;
  }
  return `${out}}`;
}

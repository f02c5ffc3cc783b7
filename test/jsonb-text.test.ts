/**
 * The replay check digests a folded state as Postgres prints the kept one
 * (`state::text`): store/jsonb-text.ts must print every JSON value exactly as
 * jsonb does, or every kept state would be read whole and the check's speed
 * lost. Each value here is printed by the database and by jsonbText, on
 * PGlite and on Postgres. Objects of one shape are printed many times, in
 * both key orders, so that a shape remembered from one object never orders
 * another's keys wrongly.
 */
import { describe, expect, it } from 'vitest';
import { jsonbText } from '../store/jsonb-text.js';
import { dbTargets, useTestDb } from './helpers/db.js';

const VALUES: unknown[] = [
  null,
  true,
  0,
  -17,
  0.1,
  1234567.125,
  '',
  'plain',
  'quote " backslash \\ slash / newline \n tab \t return \r bell \u0007 nul-ish \u001f',
  'non-ASCII: é, ü, 日本, emoji 🎉',
  [],
  {},
  [1, 'two', null, false, [], {}],
  { b: 1, a: 2, aa: 3, ab: { z: [], y: {} }, B: 4, _: 5 },
  { é: 1, e: 2, ee: 3, 日: 4, ab: 5 },
  { longer: 1, short: 2, mid: 3, x: 4 },
  // Keys holding undefined are left out, as JSON.stringify leaves them.
  { kept: 1, dropped: undefined, 'with space': 'v', '': 'empty key' },
  {
    context: {
      urn: '900001',
      sessions: [
        { at: '2018-10-04T09:00:00+01:00', id: 'meeting-01', kind: 'meeting', status: 'held', teachersPresent: 2, headteacherPresent: false },
        { id: 'meeting-02', at: '2018-12-20T09:00:00+00:00', kind: 'meeting', status: 'scheduled', headteacherPresent: true, teachersPresent: 0 },
      ],
      timers: { 'reminder:meeting-02:14': { at: '2018-12-06T09:00:00+00:00' }, 'escalate:meeting-01': { at: '2018-10-05T09:00:00+01:00', tries: 1 } },
    },
    value: { development: 'taking part' },
  },
];

describe.each(dbTargets())('jsonbText on $name', (target) => {
  const t = useTestDb(target, { migrate: false });

  it('prints every value as the database prints it from jsonb', async () => {
    for (const value of VALUES) {
      const json = JSON.stringify(value);
      const printed = (await t.db.query<{ text: string }>('SELECT $1::jsonb::text AS text', [json])).rows[0]!.text;
      expect(jsonbText(value), json).toBe(printed);
    }
  });

  it('orders the keys of objects of one shape alike whichever order they were built in, however often the shape is seen', async () => {
    const built = (order: string[]) => Object.fromEntries(order.map((k) => [k, k.length]));
    const orders = [
      ['status', 'at', 'kind', 'id'],
      ['id', 'kind', 'at', 'status'],
      ['at', 'id', 'kind', 'status'],
      // The same first key, the rest in other orders.
      ['id', 'status', 'at', 'kind'],
      ['id', 'at', 'status', 'kind'],
    ];
    const printed = (await t.db.query<{ text: string }>('SELECT $1::jsonb::text AS text', [JSON.stringify(built(orders[0]!))])).rows[0]!.text;
    for (let i = 0; i < 30; i++) for (const order of orders) expect(jsonbText(built(order))).toBe(printed);
    expect(printed).toBe('{"at": 2, "id": 2, "kind": 4, "status": 6}');
  });

  it('prints an object used as a map, with many different key sets, as the database does', async () => {
    for (let n = 0; n < 40; n++) {
      const map = Object.fromEntries(Array.from({ length: (n % 7) + 1 }, (_, i) => [`timer:${(n * 7 + i) % 23}`, { n, i }]));
      const printed = (await t.db.query<{ text: string }>('SELECT $1::jsonb::text AS text', [JSON.stringify(map)])).rows[0]!.text;
      expect(jsonbText(map)).toBe(printed);
    }
  });
});

/**
 * A work group's name in the emails a school gets: readable, never the
 * catalogue's "(rules carried forward from …)" note or the group's id, which
 * groups made before 1 December 2026 carry in their default names
 * ("…, East Midlands East Maths Hub, group emeast-development-2026-1").
 */
import { describe, expect, it } from 'vitest';
import { createActivities } from '../activities/index.js';
import type { Mailer } from '../activities/mail/mailer.js';
import { readableGroupName } from '../domain/words/group-name.js';
import { insertGroup } from '../store/ops/groups.js';
import { decide, initialState, parseEvent, type PersistedPathway } from '../machines/decide.js';
import type { Effect, Notify } from '../machines/effects.js';
import type { PathwayEventInput } from '../machines/events.js';
import { dbTargets, useTestDb } from './helpers/db.js';
import { london, secondaryDev, secondarySchool, twoTeachers } from './fixtures/programmes.js';

describe('readableGroupName', () => {
  it.each([
    ['Secondary Teaching for Mastery Development Work Group 2026/27 (rules carried forward from 2021/22), East Midlands East Maths Hub, group emeast-development-2026-1', 'emeast-development-2026-1', 'Secondary Teaching for Mastery Development Work Group 2026/27, East Midlands East Maths Hub, group 1'],
    ['Primary Mastery Readiness Work Group 2026/27, East Midlands East Maths Hub, group 2', 'east-midlands-east-readiness-2026-2', 'Primary Mastery Readiness Work Group 2026/27, East Midlands East Maths Hub, group 2'],
    ['Primary Mastery Readiness Work Group 2026/27, East Midlands East Maths Hub, group north-a', 'north-a', 'Primary Mastery Readiness Work Group 2026/27, East Midlands East Maths Hub, group north-a'],
    ['East Midlands East secondary group A', 'emeast-dev-a', 'East Midlands East secondary group A'],
    // The catalogue carries rules back to a year before its first document too.
    ['Primary Teaching for Mastery Development Work Group 2020/21 (rules carried back from 2021/22), Kent and Medway Maths Hub, group 1', 'kent-medway-development-2020-1', 'Primary Teaching for Mastery Development Work Group 2020/21, Kent and Medway Maths Hub, group 1'],
  ])('%s (%s) reads "%s"', (name, id, expected) => {
    expect(readableGroupName(name, id)).toBe(expected);
  });
});

/** The notify effect a SELECTED decision asks for, into group `groupId`. */
function selectedInto(urn: string, groupId: string): Notify {
  const events = [
    { type: 'APPLY', at: london('2020-07-01'), programme: secondaryDev, school: { ...secondarySchool, urn }, teachers: twoTeachers },
    { type: 'ELIGIBILITY_ASSESSED', at: london('2020-07-10'), eligible: true },
    { type: 'SELECTED', at: london('2020-07-20'), groupId, groupSize: 2 },
  ] as PathwayEventInput[];
  let state: PersistedPathway = initialState(urn);
  let effects: Effect[] = [];
  for (const e of events) ({ snapshot: state, effects } = decide(state, parseEvent(e)));
  return effects.find((e): e is Notify => e.type === 'notify')!;
}

describe('the group named in a school’s email', () => {
  const t = useTestDb(dbTargets()[0]!);

  it('is readable for a group stored under an old default name', async () => {
    const id = 'emeast-development-2020-1';
    await insertGroup(t.db, {
      id,
      name: `Secondary Teaching for Mastery Development Work Group 2020/21 (rules carried forward from 2018/19), East Midlands East Maths Hub, group ${id}`,
      hub: 'east-midlands-east',
      programmeId: secondaryDev.id,
      route: 'secondary',
      phase: 'development',
      academicYear: '2020/21',
      maxSchools: 6,
      lead: { name: 'David Okafor', email: 'd.okafor@emeast-mathshub.example' },
      createdBy: 'test',
    });
    const sent: { text: string; html: string }[] = [];
    const mailer: Mailer = { transport: 'none', send: async (m) => (sent.push({ text: m.text, html: m.html ?? "" }), { messageId: `<${m.key}>`, duplicate: false }), describe: () => 'capture', close: async () => undefined };
    await createActivities({ db: t.db, mailer, now: () => '2020-07-20T12:00:00Z' }).notify(selectedInto('137990', id));
    expect(sent.length).toBeGreaterThan(0);
    const all = sent.map((m) => `${m.text}\n${m.html}`).join('\n');
    // The email names the programme already: the default name is read as its number in the hub.
    expect(all).toContain('The school is in work group 1, led by David Okafor.');
    expect(all).not.toMatch(/rules carried forward|emeast-development-2020-1/);
  });
});

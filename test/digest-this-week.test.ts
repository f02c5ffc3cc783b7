/**
 * The weekly digest's "Due this week": each session and deadline from the
 * digest's day to the end of the week, in the board's words, with the
 * schools it concerns, and counted in the subject; a hub with nothing
 * overdue but a week of sessions still hears of them. Pure: digestMessage.
 */
import { describe, expect, it } from 'vitest';
import { digestMessage } from '../service/digest.js';
import type { BoardDueItem } from '../service/board.js';

const meeting: BoardDueItem = { title: 'Meeting 3 of 6 at The Minster School, Southwell', kind: 'session', at: '2026-12-03T09:00:00Z', groupId: 'g1', groupName: 'Development 2026/27, group 1', schools: 1, sample: [{ urn: '100004', name: 'Riverside Academy' }] };
const workshop: BoardDueItem = {
  title: 'Workshop 2 of 6, place to be confirmed', kind: 'session', at: '2026-12-02T13:30:00Z', groupId: 'g2', groupName: 'Readiness 2026/27, group 1', schools: 7,
  sample: [{ urn: '100005', name: 'Hollybrook Primary School' }, { urn: '100006', name: 'Forest Town Primary School' }, { urn: '100011', name: null }],
};
const deadline: BoardDueItem = { title: 'End-of-year evaluation due', kind: 'deadline', at: '2026-12-04T23:59:00Z', groupId: null, groupName: null, schools: 1, sample: [{ urn: '100009', name: 'Brook Lane Primary School' }] };

describe('the weekly digest: due this week', () => {
  it('lists each session and deadline with when, what, the group and the schools, and counts them in the subject', () => {
    const m = digestMessage('East Midlands East Maths Hub', '2026-W49', [], [], 'https://hub.example', new Map(), new Map(), [workshop, meeting, deadline]);
    expect(m.subject).toBe('East Midlands East Maths Hub: 2 sessions and 1 deadline this week, week of Monday 30 November 2026');
    expect(m.text).toContain(
      [
        'Due this week (2 sessions and 1 deadline):',
        '- Wednesday 2 December 2026, 1.30pm: Workshop 2 of 6, place to be confirmed (Readiness 2026/27, group 1). 7 schools: Hollybrook Primary School, Forest Town Primary School, School 100011 and 4 more.',
        '- Thursday 3 December 2026, 9am: Meeting 3 of 6 at The Minster School, Southwell (Development 2026/27, group 1). Riverside Academy.',
        '- Friday 4 December 2026, 11.59pm: End-of-year evaluation due. Brook Lane Primary School.',
        '  The same list, with links to each group and school, is on the hub board: https://hub.example/hub',
      ].join('\n'),
    );
    expect(m.html).toContain('<h2 style="margin:24px 0 8px 0;font-size:21px;">Due this week (2 sessions and 1 deadline)</h2>');
    expect(m.html).toContain('<a href="https://hub.example/hub" style="color:#1d70b8;">the hub board</a>');
  });

  it('says nothing of the week when nothing is due, and puts the overdue first', () => {
    const overdue = { urn: '100007', name: 'Kingsway Primary School', phase: 'development', status: 'overdue', programmeName: 'Primary Teaching for Mastery Development Work Group 2025/26', academicYear: '2025/26' } as never;
    const quiet = digestMessage('East Midlands East Maths Hub', '2026-W49', [overdue], [], 'https://hub.example');
    expect(quiet.subject).toBe('East Midlands East Maths Hub: 1 school overdue, week of Monday 30 November 2026');
    expect(quiet.text).not.toContain('Due this week');
    const both = digestMessage('East Midlands East Maths Hub', '2026-W49', [overdue], [], 'https://hub.example', new Map(), new Map(), [meeting]);
    expect(both.subject).toBe('East Midlands East Maths Hub: 1 school overdue, 1 session this week, week of Monday 30 November 2026');
    expect(both.text.indexOf('overdue items')).toBeLessThan(both.text.indexOf('Due this week'));
  });
});

describe('the weekly digest: evaluations received', () => {
  it('names each evaluation sent in the week before, when and how, counts them in the subject, and a hub with only those still hears', () => {
    const m = digestMessage('East Midlands East Maths Hub', '2026-W49', [], [], 'https://hub.example', new Map(), new Map(), [], [
      { urn: '100004', name: 'Riverside Academy', at: '2026-11-27T15:10:00Z', actor: 'school-link:100004' },
      { urn: '100003', name: 'Oakfield Primary School', at: '2026-11-28T10:00:00Z', actor: 'u-hana' },
    ]);
    expect(m.subject).toBe('East Midlands East Maths Hub: 2 evaluations received, week of Monday 30 November 2026');
    expect(m.text).toContain('Evaluations received in the last seven days (2 evaluations):');
    expect(m.text).toContain('- Riverside Academy (URN 100004), Friday 27 November 2026, 3.10pm, sent by the headteacher from the school’s page.');
    expect(m.text).toContain('- Oakfield Primary School (URN 100003), Saturday 28 November 2026, 10am, recorded by the hub.');
    expect(m.html).toContain('href="https://hub.example/hub/schools/100004"');
  });
});

describe('the weekly digest: to follow up', () => {
  it('names each school the board lists under "To follow up", with why and a link, and counts them in the subject', () => {
    const m = digestMessage('East Midlands East Maths Hub', '2026-W49', [], [], 'https://hub.example', new Map(), new Map(), [], [], [
      { urn: '100005', name: 'Hollybrook Primary School', reasons: ['The headteacher did not come to Workshop 1 of 6 on Thursday 17 September 2026: arrange to meet them.'] },
    ]);
    expect(m.subject).toBe('East Midlands East Maths Hub: 1 school to follow up, week of Monday 30 November 2026');
    expect(m.text).toContain('To follow up with the school:\n- Hollybrook Primary School (URN 100005): The headteacher did not come to Workshop 1 of 6');
    expect(m.html).toContain('href="https://hub.example/hub/schools/100005"');
  });
});

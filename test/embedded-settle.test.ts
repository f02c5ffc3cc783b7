/**
 * A tick catching up with school time (the demo, `pathway tick`, a host that
 * was stopped) carries out an effect that failed once at the time it was due:
 * it waits the effect's short retry out before moving the clock to the next
 * batch. Before, the retry went out at the next batch's time: the 2-day
 * reminder of the first meeting was tried again the day after the meeting and
 * recorded as skipped, too late, after one failed try.
 */
import { describe, expect, it } from 'vitest';
import { createEmbeddedEngine } from '../host/embedded.js';
import { SimulatedClock } from '../host/clock.js';
import type { Mailer } from '../activities/mail/mailer.js';
import { programmeFor } from '../domain/catalogue/programmes.js';
import { generateSchedule } from '../domain/calendar/schedule.js';
import { sentMessages } from '../store/messages.js';

describe('tick with an effect that fails once', () => {
  it('sends the first reminder at the time it was due, not at the next batch’s time', async () => {
    const programme = programmeFor('secondary', 'development', '2025/26')!;
    const sessions = generateSchedule(programme, '2025/26');
    let failures = 0;
    const sent: string[] = [];
    const mailer: Mailer = {
      transport: 'none',
      async send(m) {
        // The first reminder's first try fails as a lost connection would; every other send goes.
        if (m.key.includes(':reminder:') && failures === 0) {
          failures++;
          throw new Error('connection reset by peer');
        }
        sent.push(m.key);
        return { messageId: `<${m.key}>`, duplicate: false };
      },
      describe: () => 'flaky once',
      close: async () => undefined,
    };
    const engine = await createEmbeddedEngine({ db: 'memory://', mailer, clock: new SimulatedClock('2025-06-01T09:00:00Z'), retryBaseMs: 20 });
    try {
      const d = '137201.example';
      const hub = { actor: 'hub-ops' };
      await engine.send('137201', {
        type: 'APPLY',
        at: '2025-06-10T10:00:00+01:00',
        programme,
        school: { name: 'Kingsmead Academy', route: 'secondary', hub: 'East Midlands East', headteacher: { name: 'Priya Patel', email: `head@${d}` }, headOfDepartment: { name: 'Ben Clarke', email: `hod@${d}` } },
        teachers: [
          { name: 'Ben Clarke', email: `hod@${d}`, role: 'headOfDepartment' },
          { name: 'Zara Khan', email: `zk@${d}`, role: 'aspiringLeader' },
        ],
      }, hub);
      await engine.send('137201', { type: 'ELIGIBILITY_ASSESSED', at: '2025-06-20T10:00:00+01:00', eligible: true }, hub);
      await engine.send('137201', { type: 'SELECTED', at: '2025-07-01T10:00:00+01:00', groupId: 'emeast-development-2025-a', groupSize: 3 }, hub);
      await engine.send('137201', { type: 'COMMITMENT_SIGNED', at: '2025-09-03T10:00:00+01:00', signatories: ['headteacher', 'headOfDepartment', 'teacher1', 'teacher2'] }, hub);
      await engine.send('137201', { type: 'SCHEDULE_SET', at: '2025-09-05T10:00:00+01:00', sessions }, hub);
      await engine.tick('2025-12-31', undefined, { batch: 1 });
      expect(failures).toBe(1);
      const reminders = (await sentMessages(engine.db, { urn: '137201' })).filter((m) => m.key.includes(':reminder:'));
      expect(reminders.length).toBeGreaterThan(1);
      for (const m of reminders) {
        // Each reminder's key ends in its timer's time and the days before ("…:2025-09-18T09:00:00+01:00:14"); it went out then.
        const [, at, days] = /:(\d{4}-\d{2}-\d{2}T[\d:]+[+-]\d{2}:\d{2}):(\d+)$/.exec(m.key)!;
        const due = Date.parse(at!) - Number(days) * 86_400_000;
        expect(Math.abs(Date.parse(m.sentAt) - due), `${m.key} sent at ${m.sentAt}`).toBeLessThan(2 * 3_600_000);
        expect(m.status, `${m.key}: ${m.note ?? ''}`).toBe('sent');
      }
    } finally {
      await engine.close();
    }
  });
});

/**
 * `pathway schedule generate|move|cancel`: a work group's year of sessions
 * from the calendar and the catalogue, sent to each of its schools; one
 * session moved or cancelled (reminders follow).
 */
import type { Command } from 'commander';
import { withService, print, wholeNumber } from '../support.js';
import { renderGroupChange, renderTable, londonWhen } from '../render.js';
import { cancelGroupSession, generateGroupSchedule, moveGroupSession } from '../../service/schedule.js';
import type { Weekday } from '../../domain/calendar/london.js';
import { AT_HELP, atOption } from './schools.js';

/** Registers the command with the program. Not pure. */
export function register(program: Command): void {
  const schedule = program.command('schedule').description("A work group's sessions: generate the year, move or cancel one");

  schedule
    .command('generate')
    .description("Generate the year's meetings, workshops and visits for a work group and send them to its schools")
    .argument('<group>', 'the work group id')
    .option('--year <year>', "the academic year (default: the group's; after a cohort transition, the new one)")
    .option('--weekday <day>', 'monday..friday (default thursday)')
    .option('--time <HH:mm>', 'London time (default 09:00)')
    .option('--week <n>', 'which week of each half-term/term (1..8)')
    .option('--place <place>', 'where the sessions are')
    .option('--at <when>', AT_HELP)
    .option('--json', 'print JSON')
    .action(async (groupId: string, o: { year?: string; weekday?: string; time?: string; week?: string; place?: string; at?: string; json?: boolean }, cmd: Command) => {
      await withService(cmd, async (svc, op) => {
        const week = wholeNumber('--week', o.week, 1);
        const r = await generateGroupSchedule(svc, op, groupId, {
          ...(o.year ? { academicYear: o.year } : {}),
          ...(o.weekday ? { weekday: o.weekday as Weekday } : {}),
          ...(o.time ? { time: o.time } : {}),
          ...(week !== undefined ? { week } : {}),
          ...(o.place ? { place: o.place } : {}),
          ...(await atOption(o.at, svc.now())),
        });
        print(o.json, r, () =>
          [
            `${r.sessions.length} session(s) for ${r.academicYear}:`,
            renderTable(['session', 'kind', 'when (London)', 'place'], r.sessions.map((s) => [s.id, s.kind, londonWhen(s.at), s.place])),
            renderGroupChange('Schedule sent', r),
          ].join('\n'),
        );
      });
    });

  schedule
    .command('move')
    .description('Move one session of a work group (its reminders move with it)')
    .argument('<group>', 'the work group id')
    .argument('<session>', 'the session id')
    .requiredOption('--to <instant>', 'the new time, ISO with offset, e.g. 2021-03-04T09:30:00Z')
    .option('--place <place>', 'a new place')
    .option('--at <when>', AT_HELP)
    .option('--json', 'print JSON')
    .action(async (groupId: string, sessionId: string, o: { to: string; place?: string; at?: string; json?: boolean }, cmd: Command) => {
      await withService(cmd, async (svc, op) => {
        const r = await moveGroupSession(svc, op, groupId, sessionId, { to: o.to, ...(o.place ? { place: o.place } : {}), ...(await atOption(o.at, svc.now())) });
        print(o.json, r, () => renderGroupChange(`Moved ${sessionId} to ${londonWhen(r.session.at)} (London) at ${r.session.place}`, r));
      });
    });

  schedule
    .command('cancel')
    .description('Cancel one session of a work group (its reminders are dropped)')
    .argument('<group>', 'the work group id')
    .argument('<session>', 'the session id')
    .requiredOption('--reason <reason>', 'why, for the schools')
    .option('--at <when>', AT_HELP)
    .option('--json', 'print JSON')
    .action(async (groupId: string, sessionId: string, o: { reason: string; at?: string; json?: boolean }, cmd: Command) => {
      await withService(cmd, async (svc, op) => {
        const r = await cancelGroupSession(svc, op, groupId, sessionId, { reason: o.reason, ...(await atOption(o.at, svc.now())) });
        print(o.json, r, () => renderGroupChange(`Cancelled ${sessionId}`, r));
      });
    });
}

/**
 * `pathway attend <urn> <sessionId> --teachers N [--headteacher]`: record who
 * came to a session (ATTENDANCE_RECORDED).
 */
import type { Command } from 'commander';
import { withService, print, wholeNumber } from '../../cli/support.js';
import { renderWrite } from '../../cli/render.js';
import { recordAttendance } from '../../service/schools.js';

/** Registers the command with the program. Not pure. */
export function register(program: Command): void {
  program
    .command('attend')
    .description('Record attendance at a session: how many lead teachers came, and whether the headteacher did')
    .argument('<urn>', 'the school URN')
    .argument('<session>', 'the session id (see pathway schools show <urn>)')
    .requiredOption('--teachers <n>', 'lead teachers present: 0, 1 or 2')
    .option('--headteacher', 'the headteacher was there')
    .option('--at <instant>', 'when it was recorded (default now)')
    .option('--json', 'print JSON')
    .action(async (urn: string, sessionId: string, o: { teachers: string; headteacher?: boolean; at?: string; json?: boolean }, cmd: Command) => {
      await withService(cmd, async (svc, op) => {
        const teachersPresent = wholeNumber('--teachers', o.teachers, 0)!;
        const r = await recordAttendance(svc, op, urn, { sessionId, teachersPresent, headteacherPresent: o.headteacher ?? false, ...(o.at ? { at: o.at } : {}) });
        print(o.json, r, () => renderWrite(`Attendance at ${sessionId} recorded`, r));
      });
    });
}

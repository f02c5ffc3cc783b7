/**
 * The version a page's form writes against. A form carries the school's
 * version when it was shown; the service's own timers (a reminder sent, an
 * attendance check) add events meanwhile, and a person who submits after
 * them has changed nothing anyone else did. So the write expects the version
 * now when only timers wrote since, and the form's own version otherwise (a
 * person's change still conflicts, 409). The machine still checks the write
 * against the state it meets. Not pure (reads the event log).
 */
import { versionPastTimers } from '../store/event-log.js';
import type { Service } from './context.js';

export async function formVersion(svc: Service, urn: string, shown: number): Promise<number> {
  return versionPastTimers(svc.db, urn, shown);
}

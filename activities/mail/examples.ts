/**
 * A realistic rendered message of each kind, for checks of the rendered HTML
 * (an accessibility check in a browser) and for documentation. The data has
 * the shape the machines give (machines/steps.ts), internal ids included, so
 * a check also sees that templates never print them. Pure.
 */
import type { MessageData } from '../../machines/effects.js';
import { MESSAGE_KINDS, renderMessage, type RenderContext, type RenderedMessage } from './render.js';

const session = (id: string, startsAt: string, endsAt: string, n: number) => ({ session: id, kind: 'meeting', startsAt, endsAt, place: 'to be confirmed', n, of: 6 });

/** Message data with every field a template reads: a secondary school, meeting 2 of 6 on Tuesday 4 November 2025. Pure. */
export function exampleData(): MessageData {
  return {
    school: 'Kingsmead Academy',
    urn: '137001',
    hub: 'East Midlands East',
    programme: 'Secondary Teaching for Mastery Development Work Group 2025/26',
    programmeId: 'secondary-development-2025-26',
    academicYear: '2025/26',
    leader: 'Secondary Mastery Specialist',
    groupId: 'emeast-development-2025-a',
    headteacher: 'Priya Patel',
    ...session('secondary-development-2025-26.meeting-02', '2025-11-04T13:30:00+00:00', '2025-11-04T16:00:00.000Z', 2),
    daysBefore: 14,
    decidedAt: '2025-10-21T13:30:00+01:00',
    fromStartsAt: '2025-10-28T13:30:00+00:00',
    fromPlace: 'to be confirmed',
    reason: 'the venue is closed',
    alternative: 'a place in next year’s Work Group',
    amountPence: 200_000,
    purpose: 'towards the cost of releasing the Mastery Advocates',
    paidTo: 'department',
    dueAt: '2026-08-31T23:59:00+01:00',
    year: '2025/26',
    sessions: [
      session('secondary-development-2025-26.meeting-01', '2025-10-02T09:00:00+01:00', '2025-10-02T11:30:00.000Z', 1),
      session('secondary-development-2025-26.meeting-02', '2025-11-04T13:30:00+00:00', '2025-11-04T16:00:00.000Z', 2),
    ],
    firstSession: 'secondary-development-2025-26.meeting-01',
    headteacherAttendsFirst: true,
  };
}

/** The context the activity would add: links, the hub contact, the work group. Pure. */
export function exampleContext(): RenderContext {
  return {
    publicUrl: 'http://localhost:3000',
    schoolLink: 'http://localhost:3000/for-schools/example-token',
    hubLead: { name: 'Priya Shah', email: 'priya.shah@emeast-mathshub.example' },
    group: { name: 'East Midlands East secondary group A', lead: { name: 'David Okafor', email: 'd.okafor@emeast-mathshub.example' } },
  };
}

/** A rendered example of message kind `kind` (one of MESSAGE_KINDS). Pure. */
export function exampleMessage(kind: string): RenderedMessage {
  const data = exampleData();
  // The evaluation reminder goes out before the evaluation is due (31 August), on the last day of the summer term, not when the meeting's messages do.
  if (kind === 'evaluation-reminder') Object.assign(data, { decidedAt: '2026-07-21T09:00:00+01:00' });
  return renderMessage({ template: kind, urn: '137001', data }, exampleContext());
}

/** Every kind with its rendered example. Pure. */
export function allExampleMessages(): { kind: string; message: RenderedMessage }[] {
  return Object.keys(MESSAGE_KINDS).map((kind) => ({ kind, message: exampleMessage(kind) }));
}

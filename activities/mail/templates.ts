/**
 * Message templates for reminders, escalations and confirmations. Each names
 * the school, the programme, the date and the place. Pure: data in, text out.
 */
import type { Notify } from '../../machines/effects.js';

export interface Message {
  subject: string;
  text: string;
}

type Data = Notify['data'];
type Template = (d: Data) => Message;

const kindName = (k: unknown) => (k === 'workshop' ? 'workshop' : k === 'visit' ? 'school visit' : k === 'inSchoolDay' ? 'in-school day' : 'half-day meeting');
const footer = (d: Data) => `\n\n${d.programme} (${d.academicYear}), ${d.hub} Maths Hub.\nSchool: ${d.school} (URN ${d.urn}).\nThis message was sent by Mastery Pathway.`;

export const templates: Record<string, Template> = {
  'session-reminder': (d) => ({
    subject: `Reminder: ${kindName(d.kind)} on ${d.when} (${d.school})`,
    text: `The ${kindName(d.kind)} "${d.session}" of ${d.programme} is on ${d.when} at ${d.place}, in ${d.daysBefore} day(s).\nPlease make sure both lead teachers are released to attend, and that gap tasks are ready.${footer(d)}`,
  }),
  'first-workshop-reminder': (d) => ({
    subject: `Headteacher and lead teachers: first workshop on ${d.when} (${d.school})`,
    text: `The first workshop of ${d.programme} is on ${d.when} at ${d.place}, in ${d.daysBefore} day(s).\nThe headteacher is expected to attend this first workshop with the two lead teachers.${footer(d)}`,
  }),
  'session-moved': (d) => ({
    subject: `Moved: ${kindName(d.kind)} now on ${d.when} (${d.school})`,
    text: `The ${kindName(d.kind)} "${d.session}" planned for ${d.from} has moved to ${d.when} at ${d.place}. Reminders will follow the new date.${footer(d)}`,
  }),
  'session-cancelled': (d) => ({
    subject: `Cancelled: ${kindName(d.kind)} on ${d.when} (${d.school})`,
    text: `The ${kindName(d.kind)} "${d.session}" on ${d.when} is cancelled: ${d.reason}. Its reminders are cancelled too.${footer(d)}`,
  }),
  'session-missed': (d) => ({
    subject: `Escalation: ${d.school} missed the ${kindName(d.kind)} on ${d.when}`,
    text: `No lead teacher from ${d.school} attended the ${kindName(d.kind)} "${d.session}" on ${d.when}. Please follow up with the school.${footer(d)}`,
  }),
  'attendance-missing': (d) => ({
    subject: `Escalation: attendance not recorded for ${d.school}, ${kindName(d.kind)} on ${d.when}`,
    text: `Attendance for the ${kindName(d.kind)} "${d.session}" on ${d.when} has not been recorded. Record it (pathway attend ...) or follow up with the school.${footer(d)}`,
  }),
  'headteacher-absent-first-workshop': (d) => ({
    subject: `Escalation: headteacher of ${d.school} was not at the first workshop`,
    text: `The headteacher of ${d.school} did not attend the first workshop (${d.when}). The programme expects the headteacher at least at the first workshop; please arrange a meeting with the headteacher.${footer(d)}`,
  }),
  'evaluation-reminder': (d) => ({
    subject: `Evaluation due by ${d.due} (${d.school})`,
    text: `The end-of-year evaluation of ${d.programme} for ${d.school} is due by ${d.due}, in ${d.daysBefore} day(s).${footer(d)}`,
  }),
  'evaluation-request': (d) => ({
    subject: `Please complete the evaluation of ${d.programme} (${d.school})`,
    text: `${d.school} has held the meetings this phase requires. Please submit the end-of-year evaluation by ${d.due}.${footer(d)}`,
  }),
  'evaluation-overdue': (d) => ({
    subject: `Escalation: ${d.school} has not submitted its ${d.year} evaluation`,
    text: `The academic year ${d.year} has ended and ${d.school} has not submitted the evaluation of ${d.programme}. The school cannot move to its next phase until it does.${footer(d)}`,
  }),
  selected: (d) => ({
    subject: `${d.school} is selected for ${d.programme}`,
    text: `${d.school} has a place in work group ${d.groupId}. Next step: the commitment signed by the headteacher and both teachers.${footer(d)}`,
  }),
  declined: (d) => ({
    subject: `${d.programme}: application from ${d.school}`,
    text: `We cannot offer ${d.school} a place in ${d.programme}: ${d.reason}.${d.alternative ? ` We can offer instead: ${d.alternative}.` : ''}${footer(d)}`,
  }),
  'commitment-confirmed': (d) => ({
    subject: `Commitment received: ${d.school}, ${d.programme}`,
    text: `Thank you: the commitment for ${d.programme} is signed. Reminders will arrive before each meeting and before the evaluation is due.${footer(d)}`,
  }),
  'funding-released': (d) => ({
    subject: `Grant of ${d.amount} released to ${d.school}`,
    text: `A grant of ${d.amount} for ${d.programme} has been released to ${d.school}.${footer(d)}`,
  }),
  withdrawn: (d) => ({
    subject: `${d.school} has withdrawn from ${d.programme}`,
    text: `${d.school} has withdrawn from ${d.programme}: ${d.reason}. Its remaining reminders are cancelled.${footer(d)}`,
  }),
};

/** Render a notify effect's message; an unknown template is a bug, reported with the known names. Pure. */
export function render(effect: Pick<Notify, 'template' | 'data'>): Message {
  const t = templates[effect.template];
  if (!t) throw new Error(`no message template "${effect.template}"; known: ${Object.keys(templates).join(', ')}`);
  return t(effect.data);
}

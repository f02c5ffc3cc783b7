/**
 * The commitment form a selected school signs: what the school undertakes for
 * the year, in plain words made from the programme's own figures (the rules
 * the school's record holds, so it says what the machine will hold the school
 * to), and a line for each person who must sign, named from the application.
 * The seeds' "Confirmation of school commitment" boxes (000, 002, 004) list
 * the same undertakings. Pure.
 */
import { pounds } from '../catalogue/describe.js';
import type { Programme, SessionRule, Signatory } from '../catalogue/schema.js';
import { programmeReadName } from '../words/group-name.js';

export interface CommitmentSigner {
  role: Signatory;
  /** "Headteacher", "Lead teacher 1". */
  title: string;
  /** The person's name from the application, or "" when not known. */
  name: string;
  /** Signed already (recorded by the hub). */
  signed: boolean;
}

export interface CommitmentForm {
  school: string;
  urn: string;
  programme: string;
  academicYear: string;
  /** "Great North Maths Hub". */
  hub: string;
  group: string | null;
  /** "If chosen …": the undertakings, one sentence each. */
  undertakings: string[];
  signers: CommitmentSigner[];
  /** Where the programme's figures come from: "seed documents 000 and 003", "the Maths Hubs' published pages". */
  sources: string;
}

const SIGNER_TITLES: Record<Signatory, string> = { headteacher: 'Headteacher', headOfDepartment: 'Head of department', teacher1: 'Lead teacher 1', teacher2: 'Lead teacher 2' };

const KIND: Record<SessionRule['kind'], [string, string]> = { meeting: ['meeting', 'meetings'], workshop: ['workshop', 'workshops'], visit: ['school visit', 'school visits'], inSchoolDay: ['in-school day', 'in-school days'] };

const CADENCE: Record<SessionRule['cadence'], string> = { halfTermly: 'half-termly ', termly: 'termly ', spread: '', asAgreed: '' };

function length(r: SessionRule): string {
  return r.lengthHalfDays === 1 ? 'half-day ' : r.lengthHalfDays === 2 ? 'full-day ' : '';
}

function howMany(r: SessionRule): string {
  if (r.max !== undefined && r.max !== r.min) return `${r.min === 0 ? 'up to' : `${r.min} to`} ${r.max}`;
  return `${r.min}`;
}

/** What one session rule asks of the school, in a sentence. Pure. */
function sessionUndertaking(r: SessionRule, p: Programme): string {
  const [one, many] = KIND[r.kind];
  const n = howMany(r);
  const words = `${n} ${CADENCE[r.cadence]}${length(r)}${n === '1' ? one : many}`;
  const teachers = p.group.teachersPerSchool === 2 ? 'The two lead teachers' : p.group.teachersPerSchool === 1 ? 'The lead teacher' : 'The lead teachers';
  const released = p.group.teachersPerSchool === 1 ? 'is' : 'are';
  switch (r.kind) {
    case 'meeting':
    case 'workshop':
      return `${teachers} ${released} released to attend every one of the work group’s ${words}${r.gapTasksBetween ? ', and complete the gap tasks set between them' : ''}.`;
    case 'visit':
      return `${teachers} ${released} released to work with the ${p.leader} during ${words} to the school${r.cadence === 'asAgreed' ? ', on dates agreed with the school' : ''}.`;
    case 'inSchoolDay':
      return `The school hosts ${words} with the ${p.leader}.`;
  }
}

function sourcesWords(sources: readonly string[]): string {
  const seeds = sources.filter((x) => x !== 'web');
  const parts = [seeds.length ? `seed ${seeds.length === 1 ? 'document' : 'documents'} ${seeds.length > 1 ? `${seeds.slice(0, -1).join(', ')} and ${seeds.at(-1)}` : seeds[0]}` : '', sources.includes('web') ? 'the Maths Hubs’ published pages' : ''];
  return parts.filter(Boolean).join(' and ');
}

/**
 * The commitment form for `school` in `programme`: undertakings from the
 * programme's figures, and a signature line for each signatory it names.
 * `signed` lists who has signed already. Pure.
 */
export function commitmentForm(
  programme: Programme,
  school: { urn: string; name: string; hub: string; headteacher: string; headOfDepartment: string; teachers: string[]; group: string | null },
  signed: readonly Signatory[] = [],
): CommitmentForm {
  const u: string[] = [];
  for (const r of programme.sessions) if (r.min > 0 || r.max) u.push(sessionUndertaking(r, programme));
  if (programme.sessions.some((r) => r.headteacherAttendsFirst)) {
    const first = programme.sessions.find((r) => r.headteacherAttendsFirst)!;
    u.push(`The headteacher attends the first ${KIND[first.kind][0]} with the lead teachers.`);
  }
  if (programme.inSchoolDays) {
    const d = programme.inSchoolDays;
    // The catalogue says who shares the days ("the two Mastery Advocates") or what they are ("in-school support from …").
    const n = d.min === d.max ? `${d.min}` : `${d.min} to ${d.max}`;
    u.push(/^the /i.test(d.between) ? `The school holds ${n} in-school days in the year, shared between ${d.between}.` : `The school holds ${n} days of ${d.between} in the year.`);
  }
  if (programme.releaseDays) u.push(`The school releases the lead teachers for at least ${programme.releaseDays.minCombined} days between them in the year${programme.releaseDays.includesMeetings ? ', counting the work group’s sessions' : ''}.`);
  if (programme.evaluation.required) u.push(`The school sends the hub its end-of-year evaluation, and will ${programme.evaluation.what}.`);
  if (programme.schoolMeetsCosts) u.push(`The school meets the ${programme.schoolMeetsCosts}.`);
  if (programme.funding) {
    const f = programme.funding;
    const purpose = /^(to|towards|for) /i.test(f.purpose) ? f.purpose : `for ${f.purpose}`;
    u.push(`The Maths Hub pays ${pounds(f.amountPence)} to the ${f.recipient === 'department' ? 'mathematics department' : 'school'} ${purpose}, once this form is signed and the first ${programme.sessions.some((r) => r.kind === 'workshop') ? 'workshop' : 'meeting'} has been held.`);
  } else if (programme.fundingLater) {
    u.push(`There is no grant this year. The school becomes eligible for ${pounds(programme.fundingLater.amountPence)} in the following phase.`);
  }
  const teacher = (i: number) => school.teachers[i] ?? '';
  const names: Record<Signatory, string> = { headteacher: school.headteacher, headOfDepartment: school.headOfDepartment, teacher1: teacher(0), teacher2: teacher(1) };
  return {
    school: school.name,
    urn: school.urn,
    programme: programmeReadName(programme.name),
    academicYear: programme.academicYear,
    hub: school.hub,
    group: school.group,
    undertakings: u,
    signers: programme.signatories.map((role) => ({ role, title: SIGNER_TITLES[role], name: names[role], signed: signed.includes(role) })),
    sources: sourcesWords(programme.sources),
  };
}

/**
 * A secondary school's first events on the Development programme of 2020/21,
 * as the embedded host's write tests send them: applied 1 July, assessed
 * eligible 2 July, selected into a group of its own 3 July. Pure data.
 */
import { programmeFor } from '../../domain/catalogue/programmes.js';

const secondary = programmeFor('secondary', 'development', '2020/21')!;

export const apply = (urn: string) => ({
  type: 'APPLY' as const,
  at: '2020-07-01T12:00:00+01:00',
  programme: secondary,
  school: { name: `School ${urn}`, route: 'secondary' as const, hub: 'Cambridge', headteacher: { name: 'Head Teacher', email: `head@${urn}.example` }, headOfDepartment: { name: 'Head of Maths', email: `hod@${urn}.example` } },
  teachers: [
    { name: 'Advocate One', email: `one@${urn}.example`, role: 'headOfDepartment' as const },
    { name: 'Advocate Two', email: `two@${urn}.example`, role: 'aspiringLeader' as const },
  ],
});

export const eligible = { type: 'ELIGIBILITY_ASSESSED' as const, at: '2020-07-02T12:00:00+01:00', eligible: true };

export const selected = (urn: string) => ({ type: 'SELECTED' as const, at: '2020-07-03T12:00:00+01:00', groupId: `g-${urn}`, groupSize: 2 });

/** The commitment signed by everyone it needs, at `at`. */
export const signedAt = (at: string) => ({ type: 'COMMITMENT_SIGNED' as const, at, signatories: ['headteacher' as const, 'headOfDepartment' as const, 'teacher1' as const, 'teacher2' as const] });

/**
 * Programme-wide facts from DESIGN.md that are not per-programme rules: the
 * Five Big Ideas and the scale of the Maths Hubs network. Pure data.
 */

/** The Five Big Ideas of teaching for mastery (public NCETM / Maths Hubs pages; "5 big ideas" in 001 and 002). */
export const FIVE_BIG_IDEAS = Object.freeze([
  'Coherence',
  'Representation and Structure',
  'Mathematical Thinking',
  'Fluency',
  'Variation',
] as const);
export type BigIdea = (typeof FIVE_BIG_IDEAS)[number];

/** How big the network is, with the year each figure is for and its source. */
export const SCALE = Object.freeze({
  mathsHubs: Object.freeze([
    { count: 35, academicYear: '2018/19', source: '000' },
    { count: 40, since: 2020, source: 'web' },
  ] as const),
  schoolsInTfmWorkGroups: Object.freeze({ academicYear: '2024/25', primary: 8461, secondary: 2175, source: 'web' } as const),
});

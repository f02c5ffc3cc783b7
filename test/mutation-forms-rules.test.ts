/**
 * The Readiness eligibility criteria of seed 002 (domain/forms/rules.ts) as a
 * headteacher's statement meets them: each keyword alone, in a sentence, is
 * enough to name its criterion, and a statement with none names nothing
 * (issue 15: the mutation run on this module found every keyword could be
 * emptied without a test noticing).
 */
import { describe, expect, it } from 'vitest';
import { READINESS_CRITERIA } from '../domain/forms/rules.js';
import { namesCriterion } from '../domain/forms/words.js';

const cases = READINESS_CRITERIA.flatMap((c) => c.keywords.map((k) => [c.id, k] as const));

describe('seed 002’s eligibility criteria and the words that name them', () => {
  it('has the seven circumstances of seed 002, each with words that name it', () => {
    expect(READINESS_CRITERIA.map((c) => c.id)).toEqual(['ofstedRiOrInadequate', 'lowMathsProgressOrAttainment', 'namedByLocalAuthority', 'lowSocialMobilityArea', 'needsMathsLeadershipSupport', 'highStaffTurnover', 'otherReason']);
    for (const c of READINESS_CRITERIA) expect(c.keywords.length, c.id).toBeGreaterThan(1);
  });

  it.each(cases)('%s is named by a statement saying “%s”', (id, keyword) => {
    const criterion = READINESS_CRITERIA.find((c) => c.id === id)!;
    expect(namesCriterion(`In our school, ${keyword.toUpperCase()}, is the reason we apply.`, criterion)).toBe(true);
  });

  it('a statement about something else names no criterion', () => {
    const statement = 'We would like to join because our teachers enjoy working together on mathematics.';
    expect(READINESS_CRITERIA.filter((c) => namesCriterion(statement, c)).map((c) => c.id)).toEqual([]);
  });
});

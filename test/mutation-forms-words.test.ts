/**
 * The text rules of the application forms (domain/forms/words.ts) called
 * directly, each as an applicant's form meets it: a headteacher's name
 * written with a title, a statement naming a criterion in other punctuation,
 * the school's own reason for "another reason" (issue 15: the mutation run
 * on this module left these untested).
 */
import { describe, expect, it } from 'vitest';
import { countWords, nameKey, namesCriterion, normaliseForMatch, sameName } from '../domain/forms/words.js';
import type { EligibilityCriterionRule } from '../domain/forms/rules.js';

const criterion = (keywords: string[], matchesOwnReason = false): EligibilityCriterionRule => ({ id: 'c', label: 'A criterion', keywords, matchesOwnReason });

describe('names on a form', () => {
  it.each(['Mr', 'Mrs', 'Ms', 'Miss', 'Mx', 'Dr', 'Prof', 'Professor', 'Sir', 'Dame', 'Rev', 'Revd'])('“%s Jane Smith” is the same person as “Jane Smith”', (title) => {
    expect(sameName(`${title} Jane Smith`, 'Jane Smith')).toBe(true);
    expect(sameName(`${title}. Jane Smith`, 'jane SMITH')).toBe(true);
  });

  it('keeps a name that is only a title, drops only leading titles, and ignores spaces, case and accents', () => {
    expect(nameKey('Dr')).toBe('dr');
    expect(nameKey('Dr Mrs Jane Smith')).toBe('jane smith');
    expect(nameKey('  Dr   Jane  Smith  ')).toBe('jane smith');
    expect(nameKey('Zoë O’Brien')).toBe('zoe o brien');
    expect(sameName('Jane Smith', 'Jane Smyth')).toBe(false);
  });

  it('two blank or punctuation-only names are not the same person', () => {
    expect(sameName('', '')).toBe(false);
    expect(sameName('--', '!!')).toBe(false);
  });
});

describe('statements', () => {
  it('normalises to single spaces between whole words, padded once at each end', () => {
    expect(normaliseForMatch('  Well--being,  and  maths!  ')).toBe(' well being and maths ');
    expect(normaliseForMatch('Éducation')).toBe(' education ');
  });

  it('counts words as a word processor does: runs with a letter or digit, whatever the spacing', () => {
    expect(countWords('  two   words ')).toBe(2);
    expect(countWords('well-being in 2020/21 – and • more')).toBe(5);
  });

  it('finds a keyword as whole words only, and a keyword with no letters never matches', () => {
    expect(namesCriterion('Our KS2 results fell.', criterion(['ks2 results']))).toBe(true);
    expect(namesCriterion('Our KS2-results fell.', criterion(['KS2 results']))).toBe(true);
    expect(namesCriterion('Our KS21 results fell.', criterion(['ks2 results']))).toBe(false);
    expect(namesCriterion('Anything at all.', criterion(['—', '  ']))).toBe(false);
  });

  it('for “another reason”, a word of five letters or more from the school’s own reason counts; shorter ones do not', () => {
    const other = criterion(['unrelated phrase'], true);
    expect(namesCriterion('We want to improve teaching of fractions.', other, 'Pupils struggle with Fractions')).toBe(true);
    expect(namesCriterion('We want to get on with it.', other, 'with it')).toBe(false);
    // Without matchesOwnReason the school's reason does not count.
    expect(namesCriterion('We want to improve teaching of fractions.', criterion(['unrelated phrase']), 'fractions')).toBe(false);
    expect(namesCriterion('We want to improve teaching of fractions.', other)).toBe(false);
  });
});

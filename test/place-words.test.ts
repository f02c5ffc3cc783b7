/**
 * Where a session is, in words (domain/words/place.ts): one rule for a place
 * not yet known, read the same way on every page and in every email, and each
 * reader's words for a venue, a visit at each school and an unknown place.
 */
import { describe, expect, it } from 'vitest';
import { AT_THE_SCHOOL } from '../domain/catalogue/schema.js';
import { placeInWords, placeOf, type PlaceReader } from '../domain/words/place.js';

const READERS: PlaceReader[] = ['mail', 'mailWhere', 'schoolLink', 'schoolPage', 'group'];

describe('placeOf', () => {
  it.each(['', '   ', 'to be confirmed', 'To be confirmed', ' TBC ', 'tba', undefined, null, 42])('reads %j as not known yet', (p) => {
    expect(placeOf(p)).toEqual({ kind: 'unknown' });
  });
  it('reads the catalogue\'s at-the-school place as each school of the group', () => {
    expect(placeOf(AT_THE_SCHOOL)).toEqual({ kind: 'each-school' });
  });
  it('keeps a venue\'s name as typed, without surrounding spaces', () => {
    expect(placeOf('  The Minster School ')).toEqual({ kind: 'venue', name: 'The Minster School' });
  });
});

describe('placeInWords', () => {
  it('gives each reader its words for a venue, a visit at each school and a place not known yet', () => {
    const table = Object.fromEntries(READERS.map((r) => [r, ['The Minster School', AT_THE_SCHOOL, 'TBC'].map((p) => placeInWords(p, r as 'mail', 'Riverside Academy'))]));
    expect(table).toEqual({
      mail: ['The Minster School', 'Your school', 'Venue to be confirmed'],
      mailWhere: ['at The Minster School', 'at your school', 'with the venue still to be confirmed'],
      schoolLink: ['The Minster School', 'At your school', 'Venue to be confirmed'],
      schoolPage: [' at The Minster School', ' at Riverside Academy', ', place to be confirmed'],
      group: ['The Minster School', 'At each school', null],
    });
  });
  it('says "at the school" on the school page when the school has no name yet', () => {
    expect(placeInWords(AT_THE_SCHOOL, 'schoolPage')).toBe(' at the school');
  });
  it('treats every spelling of "not known yet" alike for every reader', () => {
    for (const r of READERS) {
      const words = new Set(['', 'to be confirmed', 'TBC', ' Tba ', undefined].map((p) => placeInWords(p, r as 'mail')));
      expect(words.size, r).toBe(1);
    }
  });
});

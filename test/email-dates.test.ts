import { describe, expect, it } from 'vitest';
import { emailCountdown, emailDaysBetween, emailLongDate, emailLongWhen, emailShortWhen, emailTimeOfDay } from '../domain/words/dates.js';
import { pounds } from '../domain/catalogue/describe.js';

describe('dates in emails (London calendar, remembered)', () => {
  it('counts London calendar days across the autumn clock change, not 24-hour blocks', () => {
    // 25 October 2025 is BST, 27 October GMT: 49 hours apart, 2 calendar days.
    expect(emailDaysBetween('2025-10-25T23:30:00+01:00', '2025-10-27T00:30:00Z')).toBe(2);
    // 23:30 UTC on 29 March 2025 is still the 29th in London (GMT); 00:30 UTC on the 31st is 01:30 BST on the 31st.
    expect(emailDaysBetween('2025-03-29T23:30:00Z', '2025-03-31T00:30:00Z')).toBe(2);
    // Late evening UTC in summer is already the next day in London.
    expect(emailDaysBetween('2025-06-01T12:00:00Z', '2025-06-01T23:30:00Z')).toBe(1);
  });

  it('says today, tomorrow, in n days, and nothing for a time past', () => {
    expect(emailCountdown('2025-11-04T08:00:00Z', '2025-11-04T13:30:00Z')).toBe('today');
    expect(emailCountdown('2025-11-03T20:00:00Z', '2025-11-04T09:00:00Z')).toBe('tomorrow');
    expect(emailCountdown('2025-10-21T13:30:00+01:00', '2025-11-04T13:30:00Z')).toBe('in 14 days');
    expect(emailCountdown('2025-11-05T09:00:00Z', '2025-11-04T13:30:00Z')).toBe('');
  });

  it('writes the same words each time it is asked (the remembered answer is the answer)', () => {
    for (let i = 0; i < 3; i++) {
      expect(emailLongWhen('2025-11-04T13:30:00Z', '2025-11-04T16:00:00Z')).toBe('Tuesday 4 November 2025, 1.30pm to 4pm');
      expect(emailLongWhen('2025-11-04T13:30:00Z', '2025-11-05T09:00:00Z')).toBe('Tuesday 4 November 2025, 1.30pm to Wednesday 5 November 2025, 9am');
      expect(emailShortWhen('2025-09-02T11:00:00Z', '2025-09-02T12:00:00+01:00')).toBe('Tue 2 Sept, midday to midday');
      expect(emailTimeOfDay('2025-11-04T00:00:00Z')).toBe('midnight');
      expect(emailLongDate('2025-06-30T23:30:00Z')).toBe('Tuesday 1 July 2025');
    }
  });

  it('refuses something that is not an instant, every time, naming it', () => {
    for (let i = 0; i < 2; i++) expect(() => emailLongDate('next Tuesday')).toThrow(/not an ISO instant: "next Tuesday"/);
  });

  it('writes pounds with pence only when there are some', () => {
    expect(pounds(200_000)).toBe('£2,000');
    expect(pounds(100_050)).toBe('£1,000.50');
    expect(pounds(5)).toBe('£0.05');
  });
});

/**
 * The academic calendar: academic years, England term dates with hub or local
 * authority overrides, London wall-clock time, session slots and the year's
 * generated schedule. Pure throughout (luxon with an explicit Europe/London
 * zone; no clock).
 */
export { LONDON, atLondon, londonDateOf, londonTimeOf, daysBefore, parseInstant, parseWallTime, WEEKDAYS, type Weekday } from './london.js';
export { academicYearOf, yearBounds, nextAcademicYear, shiftAcademicYear, yearsBetween, startYearOf, academicYearStarting, yearEndsAt } from './academic-year.js';
export { easterSunday, englandBankHolidays, isBankHoliday } from './bank-holidays.js';
export {
  HalfTermName,
  TermName,
  HalfTermDates,
  YearTermDates,
  CalendarOverrides,
  type CalendarOverridesInput,
  parseCalendarOverrides,
  type CalendarScope,
  type HalfTerm,
  type Term,
  type YearTerms,
  defaultTermsOf,
  termsOf,
  halfTermOf,
  isSchoolDay,
  schoolDaysBetween,
  addSchoolDays,
  lastSchoolDay,
  endOfYearDeadline,
} from './terms.js';
export {
  type MonthWindow,
  type SlotOptions,
  type SpreadOptions,
  inWindow,
  pickEvenly,
  schoolWeekdaysBetween,
  halfTermlyDates,
  halfTermlySlots,
  termlyDates,
  termlySlots,
  spreadDates,
  spreadSessions,
} from './slots.js';
export { generateSchedule, SCHEDULE_DEFAULTS, type GeneratedSession, type ScheduleOptions, type SlotChoice } from './schedule.js';
export { SchoolDays, type DayIsOpen, openIn, reminderDay, shiftDate, datesApart, isWeekendDate } from './reminder-day.js';
export { schoolDaysForYear } from './school-days.js';

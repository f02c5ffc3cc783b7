/**
 * Fills the "Record an application" page for a Secondary Development
 * programme as a hub officer would, from a paper form's answers. For the
 * page tests (test/web-application-new.test.ts, test/web-year.test.ts). Not pure.
 */
import type { Page } from 'playwright-core';

export interface SecondaryAnswers {
  name: string;
  urn: string;
  address?: string;
  /** The first part of each email address's domain, e.g. "oakfield". */
  domain: string;
}

/** Fills every field of the secondary form with valid answers (the statement has no word limit in the carried years). */
export async function fillSecondaryApplication(page: Page, a: SecondaryAnswers): Promise<void> {
  await page.getByLabel('School name').fill(a.name);
  await page.getByLabel('URN', { exact: true }).fill(a.urn);
  await page.getByLabel('Address', { exact: true }).fill(a.address ?? 'Oak Road, Lincoln LN1 3AA');
  await page.getByLabel('Phone number', { exact: true }).fill('01522 500600');
  await page.getByLabel('Headteacher’s name').fill('Helen Morris');
  await page.getByLabel('Headteacher’s email address').fill(`h.morris@${a.domain}.example`);
  await page.getByLabel('Head of department’s name').fill('Owen Clarke');
  await page.getByLabel('Head of department’s email address').fill(`o.clarke@${a.domain}.example`);
  const teachers = [
    { legend: 'First teacher', name: 'Owen Clarke', email: `o.clarke@${a.domain}.example`, role: 'headOfDepartment', years: ['Year 7', 'Year 8'] },
    { legend: 'Second teacher', name: 'Lena Fischer', email: `l.fischer@${a.domain}.example`, role: 'recentlyQualified', years: ['Year 7'] },
  ];
  for (const t of teachers) {
    const f = page.locator('fieldset', { hasText: t.legend }).first();
    await f.getByLabel('Name', { exact: true }).fill(t.name);
    await f.getByLabel('Email address').fill(t.email);
    await f.getByLabel('Role').selectOption(t.role);
    for (const y of t.years) await f.getByLabel(y, { exact: true }).check();
  }
  await page.getByRole('group', { name: 'Has the school worked with a Maths Hub Mastery Specialist?' }).getByLabel('No').check();
  await page.getByLabel('Why the department wants to take part').fill(
    'Our Key Stage 3 results have stalled and we want a shared model of teaching for mastery across the department, planned together in small steps.',
  );
}

/**
 * The pages' stylesheet compiles without a Sass warning: a deprecated GOV.UK
 * Frontend colour once printed a ten-line warning on a new user's first
 * `npm start`. And the colours the pages rely on come out as GOV.UK's palette.
 */
import { describe, expect, it } from 'vitest';
import { compileStyles, stylesSource } from '../web/assets.js';

describe('the pages stylesheet', () => {
  it('compiles from app.scss with no Sass warning', async () => {
    const { css, warnings } = await compileStyles(await stylesSource());
    expect(warnings).toEqual([]);
    // A closed day in the calendar is GOV.UK's lightest grey, not a colour of our own.
    expect(css).toMatch(/\.app-calendar__day--closed\{background:#f3f3f3;/);
  });

  it('names a deprecated colour in one line instead of Sass printing it', async () => {
    const { warnings } = await compileStyles('@use "govuk-frontend/dist/govuk" as *;\n.x { color: govuk-colour("light-grey"); }');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('govuk-colour("black", $variant: "tint-95")');
  });
});

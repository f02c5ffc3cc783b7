/**
 * Application forms: schemas, rules, validation and the mapping to an APPLY
 * event. Pure. See ./rules.ts for the rules as data and the seeds they cite.
 */
export { validateForm, formToApplication, rulesFor, FormSchema, type FormValidation, type FormApplication } from './validate.js';
export { crossFieldIssues, type FormIssue } from './checks.js';
export { countWords, namesCriterion, sameName, nameKey } from './words.js';
export { isUkPhone, isIsoDay } from './fields.js';
export { rulesFromProgramme } from './from-programme.js';
export * from './rules.js';
export * from './schemas.js';

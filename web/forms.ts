/**
 * Bad input on a form, as GOV.UK shows it: an error summary at the top
 * linking to each field, and the same message above the field. Problems
 * come from the service (zod issues already in plain words). Pure.
 */
import type { Problem } from '../domain/errors.js';

export interface FormErrors {
  /** For govukErrorSummary: each message with a link to its field. */
  errors: { text: string; href: string }[];
  /** For each field's errorMessage, by field name. */
  fieldErrors: Record<string, string>;
}

/**
 * Problems to form errors. `fields` maps a problem's path (or its first
 * segment) to the form field's name and label; problems of other paths
 * are shown in the summary against the first field.
 */
export function formErrors(problems: readonly Problem[], fields: Record<string, { name: string; label: string }>): FormErrors {
  const errors: FormErrors['errors'] = [];
  const fieldErrors: Record<string, string> = {};
  const first = Object.values(fields)[0];
  for (const p of problems) {
    if (p.severity !== 'error') continue;
    const field = fields[p.path] ?? fields[p.path.split('.')[0] ?? ''] ?? first;
    const label = field?.label ?? 'This';
    const text = `${label} ${p.message}`.replace(/\s+/g, ' ').trim();
    errors.push({ text: text.charAt(0).toUpperCase() + text.slice(1), href: `#${field?.name ?? 'main-content'}` });
    if (field && !fieldErrors[field.name]) fieldErrors[field.name] = errors[errors.length - 1]!.text;
  }
  return { errors, fieldErrors };
}

/** One error for one field, written by the page itself ("Enter a date"). Pure. */
export function fieldError(name: string, text: string): FormErrors {
  return { errors: [{ text, href: `#${name}` }], fieldErrors: { [name]: text } };
}

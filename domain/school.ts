/**
 * The school and the people an application names: its headteacher, head of
 * department and teachers, as zod schemas. A form produces them
 * (domain/forms) and the machines carry them in APPLY. Pure.
 */
import { z } from 'zod';
import { Route } from './catalogue/schema.js';

export const Person = z.object({
  name: z.string().trim().min(1, 'must not be empty'),
  email: z.email('must be an email address'),
});
export const Teacher = Person.extend({ role: z.string().trim().min(1, 'must not be empty') });
export type Teacher = z.infer<typeof Teacher>;

export const SchoolDetails = z.object({
  name: z.string().trim().min(1, 'must not be empty'),
  route: Route,
  hub: z.string().min(1, 'must name a Maths Hub'),
  localAuthority: z.string().optional(),
  headteacher: Person,
  headOfDepartment: Person.optional(),
});
export type SchoolDetails = z.infer<typeof SchoolDetails>;

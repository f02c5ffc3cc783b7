/**
 * The people of a Maths Hub who lead schools through the pathway (Mastery
 * Specialists and Mastery Readiness Leads) and the school's action plan on
 * the 5 Big Ideas of teaching for mastery, as zod schemas and data. Pure.
 *
 * Sources: seed 001 ("Bespoke support from a Secondary Mastery Specialist to
 * create a personalised Action plan"; "schools will be allocated to a
 * Secondary Mastery Specialist"), seed 002 (visits "to develop and work on an
 * action plan for the school", "in order for the school to be 'Mastery
 * Ready' by the end of 2020/21"), and the NCETM's Five Big Ideas (DESIGN.md).
 */
import { z } from 'zod';
import type { PhaseKind, Route } from './catalogue/schema.js';

/** The 5 Big Ideas of teaching for mastery (NCETM), in their usual order. */
export const BIG_IDEAS = ['coherence', 'representationAndStructure', 'mathematicalThinking', 'fluency', 'variation'] as const;
export const BigIdea = z.enum(BIG_IDEAS);
export type BigIdea = z.infer<typeof BigIdea>;

export const BIG_IDEA_LABELS: Readonly<Record<BigIdea, string>> = Object.freeze({
  coherence: 'Coherence',
  representationAndStructure: 'Representation and structure',
  mathematicalThinking: 'Mathematical thinking',
  fluency: 'Fluency',
  variation: 'Variation',
});

/** How far the school has come on one Big Idea, as judged at a review. */
export const IdeaProgress = z.enum(['notStarted', 'developing', 'established']);
export type IdeaProgress = z.infer<typeof IdeaProgress>;

export const IDEA_PROGRESS_LABELS: Readonly<Record<IdeaProgress, string>> = Object.freeze({ notStarted: 'not started', developing: 'developing', established: 'established' });

/** What the school means to do on each Big Idea: one aim per idea, all five named. */
export const PlanAims = z.object(Object.fromEntries(BIG_IDEAS.map((k) => [k, z.string().trim().min(1, 'must say what the school will work on').max(600, 'must be at most 600 characters')])) as Record<BigIdea, z.ZodString>);
export type PlanAims = z.infer<typeof PlanAims>;

/** Progress on some or all of the ideas, at a review. */
export const PlanProgress = z.object(Object.fromEntries(BIG_IDEAS.map((k) => [k, IdeaProgress.optional()])) as Record<BigIdea, z.ZodOptional<typeof IdeaProgress>>);
export type PlanProgress = z.infer<typeof PlanProgress>;

/** A hub person's role: a Mastery Specialist (on the secondary route, a Secondary Mastery Specialist), or a Mastery Readiness Lead. */
export const LeaderRole = z.enum(['specialist', 'readinessLead']);
export type LeaderRole = z.infer<typeof LeaderRole>;

/** A leader as a school's pathway records it. */
export const Leader = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'must be lower-case letters, digits and dashes'),
  name: z.string().trim().min(1, 'must not be empty'),
  role: LeaderRole,
});
export type Leader = z.infer<typeof Leader>;

/** Who leads a school in a phase: the Readiness Lead in Readiness (002), a Mastery Specialist otherwise (001, 003). Pure. */
export function leaderRoleFor(phase: PhaseKind): LeaderRole {
  return phase === 'readiness' ? 'readinessLead' : 'specialist';
}

/** The title of a role on a route: "Secondary Mastery Specialist", "Mastery Readiness Lead". Pure. */
export function roleTitle(role: LeaderRole, route: Route | null = null): string {
  if (role === 'readinessLead') return 'Mastery Readiness Lead';
  return route === 'secondary' ? 'Secondary Mastery Specialist' : 'Mastery Specialist';
}

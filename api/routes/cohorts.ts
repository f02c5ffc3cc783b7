/**
 * Cohort transitions: POST /cohorts/transition moves every school of a year
 * (or a work group, or a hub) to its next phase, or with dryRun says what
 * would happen. A dry run needs read access only.
 */
import type { TypedApp } from '../server.js';
import { who } from '../http.js';
import { CohortBody, ErrorOut, TransitionOut } from '../schemas.js';
import { runCohortTransition } from '../../service/cohorts.js';
import { BoundedInstant } from '../../domain/boundary.js';

/** The transition's body with `at`, the date ADVANCED carries (as every other write takes it). */
const TransitionBody = CohortBody.extend({ at: BoundedInstant.optional().describe('When the move happens, the date ADVANCED carries (ISO instant with offset); default now. Never in the future.') });

/** Registers the cohort transition route. Not pure. */
export function cohortRoutes(app: TypedApp): void {
  app.post('/cohorts/transition', {
    // Read here: a dry run changes nothing; the service asks for write access when dryRun is false.
    config: { access: 'read' },
    schema: {
      tags: ['cohorts'],
      summary: "Move a year's schools (or a work group's) to their next phase, or preview it with dryRun",
      description:
        "Per school: the phase it enters, or why it cannot (evaluation missing (overdue), withdrew, not Mastery Ready, no next programme in the catalogue). Idempotent: running it twice moves each school once ('already moved'). One school's failure does not stop the others.",
      body: TransitionBody,
      response: { 200: TransitionOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut },
    },
    handler: async (request) => runCohortTransition(request.server.service, who(request), request.body),
  });
}

/**
 * `pathway apply <form.json> [--json]`: checks an application form, records
 * the school's application (an APPLY event with the catalogue's programme for
 * the form's kind and year, and a copy of the form), and prints the school's
 * URN and state. Exit 2 listing every problem when the form is invalid, or
 * when the school's state does not take an application. The form-to-event
 * step is the hub service's submitApplication, shared with the HTTP API.
 */
import type { Command } from 'commander';
import { sentence } from '../../domain/errors.js';
import { cliOperator } from '../../service/context.js';
import { submitApplication } from '../../service/applications.js';
import type { EmbeddedEngine } from '../../host/embedded.js';
import type { Engine } from '../../host/engine.js';
import { openStore } from '../../store/index.js';
import { systemClock } from '../../host/clock.js';
import { cliTarget, withEngine } from '../engine.js';
import { readForm } from './validate.js';
import { describeState } from './status.js';

/** Adds the `apply` command. */
export function register(program: Command): void {
  program
    .command('apply')
    .description("record a school's application from its form (JSON): prints the URN and the school's state; exit 2 listing every problem if the form is invalid")
    .argument('<form.json>', 'the application form, e.g. examples/forms/primary-readiness-2020.json')
    .option('--json', 'print {urn, version, programmeId, summary, warnings} as JSON')
    .action(async (file: string, options: { json?: boolean }, command: Command) => {
      const input = await readForm(file);
      await withEngine(command, async (engine) => {
        // The service keeps a copy of the form beside the event; the embedded engine shares its database, the Temporal one needs the audit store.
        const embedded = engine.kind === 'embedded' ? (engine as EmbeddedEngine) : null;
        const store = embedded ? null : await openStore(cliTarget(command));
        try {
          const db = embedded?.db ?? store!.db;
          const clock = embedded?.clock ?? systemClock;
          const r = await submitApplication({ engine: engine as Engine, db, now: () => clock.now() }, cliOperator(), input);
          if (options.json) {
            process.stdout.write(`${JSON.stringify({ urn: r.urn, version: r.version, programmeId: r.programmeId, summary: r.summary, warnings: r.warnings }, null, 2)}\n`);
            return;
          }
          const lines = [
            `applied: ${r.summary.name} (URN ${r.urn}) for ${r.summary.programmeName}`,
            `URN ${r.urn}: ${describeState(r.summary)} (version ${r.version})`,
            ...r.warnings.map((w) => `  ${sentence(w)}`),
          ];
          process.stdout.write(`${lines.join('\n')}\n`);
        } finally {
          await store?.close();
        }
      });
    });
}

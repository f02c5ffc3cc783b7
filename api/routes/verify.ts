/**
 * `GET /verify` (admins and auditors): every school's hash chain, the
 * funding ledger's chain, and the log's consistency with the last signed
 * checkpoint (or checkpoint `since`), and with `replay=true` that every
 * school's events folded again give the states kept for it; each finding
 * named (service/verify.ts).
 * 200 with `clean: false` when something is found: the check worked, the
 * log did not. An admin's check stops a broken school (as `pathway verify`);
 * an auditor's records nothing, and names no school outside their hubs. Not pure.
 */
import { z } from 'zod';
import type { TypedApp } from '../server.js';
import { who } from '../http.js';
import { ErrorOut } from '../schemas.js';
import { serviceSigningKey, verifyFor } from '../../service/verify.js';

const tags = ['funding and audit'];
const errors = { 400: ErrorOut, 401: ErrorOut, 403: ErrorOut };

export const VerifyQuery = z.strictObject({
  since: z.coerce.number({ error: 'must be a checkpoint number' }).int('must be a whole number').min(1, 'must be at least 1').max(2 ** 53 - 1, 'must be a checkpoint number').optional().describe('Compare with checkpoint N, and check each chain only after the version it signed'),
  urn: z
    .string()
    .regex(/^\d{6}(,\d{6})*$/, 'must be one or more school URNs of 6 digits, separated by commas')
    .optional()
    .describe('Only these schools (comma-separated); default every school'),
  replay: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .optional()
    .describe("Also fold every school's events through the rules again and compare each state kept for it (snapshots, current state); default false"),
});

const FindingOut = z.object({
  check: z.enum(['chain', 'checkpoint', 'ledger', 'signature', 'replay']),
  school: z.string().nullable(),
  version: z.number().int().nullable(),
  ledgerRow: z.number().int().nullable(),
  what: z.string(),
});
export const VerifyOut = z.object({
  clean: z.boolean(),
  scope: z.object({ schools: z.union([z.literal('all'), z.array(z.string())]), since: z.number().int().nullable(), checkpointFile: z.string().nullable() }),
  checked: z.object({ schools: z.number().int(), ledgerRows: z.number().int(), replayed: z.number().int().nullable() }),
  checkpoint: z
    .object({ id: z.number().int(), createdAt: z.string(), treeSize: z.number().int(), root: z.string(), source: z.enum(['database', 'file']), signature: z.enum(['valid', 'invalid', 'not checked']) })
    .nullable(),
  findings: z.array(FindingOut),
  notes: z.array(z.string()),
  elapsedMs: z.number().int(),
});

/** Registers GET /verify. Not pure. */
export function verifyRoutes(app: TypedApp): void {
  app.get('/verify', {
    config: { access: 'read' },
    schema: {
      tags,
      operationId: 'verifyLog',
      summary: "Admin or auditor: check every school's hash chain, the funding ledger's chain, and that the log extends the last signed checkpoint; each finding names the school, the version or ledger row, and what is wrong",
      querystring: VerifyQuery,
      response: { 200: VerifyOut, ...errors },
    },
    handler: async (request) => {
      const q = request.query;
      const svc = request.server.service;
      // The public half of the key checks the checkpoints' signatures; the API never creates a key.
      const { key, file } = await serviceSigningKey(svc);
      return verifyFor(svc, who(request), { ...(q.urn ? { urns: q.urn.split(',') } : {}), ...(q.since !== undefined ? { since: q.since } : {}), ...(q.replay === 'true' ? { replay: true } : {}), key, keyFile: file });
    },
  });
}

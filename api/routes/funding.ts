/**
 * Funding and audit routes: the funding ledger (`GET /funding`, JSON or CSV
 * by `Accept: text/csv`), the funding conformance audit (`GET
 * /audit/funding`, JSON or CSV), and an admin's signed-off correction of a
 * tampered history (`POST /schools/{urn}/tamper-sign-off`), after which
 * writes to the school resume. Readers see the hubs they may read. Not pure.
 */
import { z } from 'zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { TypedApp } from '../server.js';
import { who } from '../http.js';
import { ErrorOut, UrnParams } from '../schemas.js';
import { fundingLedger, ledgerCsv } from '../../service/ledger.js';
import { londonDateOf } from '../../domain/calendar/london.js';
import { findingsCsv, fundingAudit, FUNDING_RULES } from '../../service/funding-audit.js';
import { signOffTamper } from '../../service/tamper.js';

const tags = ['funding and audit'];
const errors = { 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut };

const Year = z.string().regex(/^\d{4}\/\d{2}$/, 'must be an academic year like 2020/21').describe('Academic year, e.g. 2020/21');
const Hub = z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters').describe('Maths Hub id or name');

export const FundingQuery = z.strictObject({
  hub: Hub.optional(),
  year: Year.optional(),
  urn: z.string().regex(/^\d{6}$/, 'must be a school URN: exactly 6 digits').optional().describe('One school'),
});
export const AuditFundingQuery = z.strictObject({ hub: Hub.optional(), year: Year.optional() });

const EventRef = z.object({ number: z.number().int(), what: z.string(), occurredAt: z.string() });
export const LedgerRowOut = z.object({
  key: z.string().describe('The payment reference'),
  urn: z.string(),
  school: z.string(),
  hubId: z.string().nullable(),
  hub: z.string(),
  programmeId: z.string(),
  programme: z.string(),
  academicYear: z.string(),
  amountPence: z.number().int(),
  paidAt: z.string().describe('When it was paid: the school time of the event that released it'),
  recordedAt: z.string().nullable().describe('When the payment was carried out (wall clock)'),
  releasedBy: EventRef.nullable().describe('The event of the school history that released it'),
});
export const LedgerOut = z.object({ rows: z.array(LedgerRowOut), totalPence: z.number().int(), years: z.array(z.string()), schools: z.number().int() });

const EvidenceOut = z.object({ version: z.number().int(), type: z.string(), occurredAt: z.string(), shows: z.string() });
export const FindingOut = z.object({
  rule: z.enum(Object.keys(FUNDING_RULES) as [keyof typeof FUNDING_RULES, ...(keyof typeof FUNDING_RULES)[]]),
  urn: z.string(),
  school: z.string(),
  hub: z.string(),
  programmeId: z.string(),
  programme: z.string(),
  academicYear: z.string(),
  payment: z.string().nullable().describe('The payment reference; null for an entitled school not paid'),
  ruleText: z.string().describe('The rule in words, naming its seed'),
  problem: z.string(),
  events: z.array(EvidenceOut).describe('The events of the history that show it'),
  payments: z.array(z.string()),
});
export const FundingAuditOut = z.object({
  filter: z.object({ hub: z.string().nullable(), year: z.string().nullable() }),
  payments: z.number().int(),
  schools: z.number().int(),
  entitled: z.number().int(),
  findings: z.array(FindingOut),
  clean: z.boolean(),
});

const SignOffBody = z.strictObject({ reason: z.string().trim().min(10, 'must say what was found and corrected, in at least 10 characters').max(2000, 'must be at most 2000 characters') });
const SignOffOut = z.object({
  findingId: z.number().int(),
  urn: z.string(),
  atVersion: z.number().int(),
  finding: z.string(),
  foundAt: z.string(),
  signedBy: z.string(),
  signedByName: z.string(),
  reason: z.string(),
  signedAt: z.string(),
});

/** Does the caller ask for CSV (Accept: text/csv before JSON)? Pure. */
export function wantsCsv(request: FastifyRequest): boolean {
  const accept = String(request.headers.accept ?? '');
  return /\btext\/csv\b/i.test(accept) && !/^\s*application\/json/i.test(accept);
}

function sendCsv(reply: FastifyReply, filename: string, csv: string): FastifyReply {
  return reply.type('text/csv; charset=utf-8').header('content-disposition', `attachment; filename="${filename}"`).header('cache-control', 'no-store').send(`\uFEFF${csv}`);
}

/** Registers /funding, /audit/funding and /schools/:urn/tamper-sign-off. Not pure. */
export function fundingRoutes(app: TypedApp): void {
  app.get('/funding', {
    config: { access: 'read' },
    schema: {
      tags,
      operationId: 'listFunding',
      summary: 'The funding ledger: every grant paid to schools of the hubs you may see, with the event that released it (CSV with Accept: text/csv)',
      querystring: FundingQuery,
      produces: ['application/json', 'text/csv'],
      response: { 200: LedgerOut, ...errors },
    },
    handler: async (request, reply) => {
      const q = request.query;
      const l = await fundingLedger(request.server.service, who(request), { ...(q.hub ? { hub: q.hub } : {}), ...(q.year ? { year: q.year } : {}), ...(q.urn ? { urn: q.urn } : {}) });
      if (wantsCsv(request)) return sendCsv(reply, `funding-ledger${q.year ? `-${q.year.replace('/', '-')}` : ''}.csv`, ledgerCsv(l.rows, londonDateOf));
      return l;
    },
  });

  app.get('/audit/funding', {
    config: { access: 'read' },
    schema: {
      tags,
      operationId: 'auditFunding',
      summary: 'The funding conformance audit: each payment checked against the rules it was made under, and entitled schools not paid; each finding with the rule and the evidence (CSV with Accept: text/csv)',
      querystring: AuditFundingQuery,
      produces: ['application/json', 'text/csv'],
      response: { 200: FundingAuditOut, ...errors },
    },
    handler: async (request, reply) => {
      const q = request.query;
      const a = await fundingAudit(request.server.service, who(request), { ...(q.hub ? { hub: q.hub } : {}), ...(q.year ? { year: q.year } : {}) });
      if (wantsCsv(request)) return sendCsv(reply, `funding-audit${q.year ? `-${q.year.replace('/', '-')}` : ''}.csv`, findingsCsv(a.findings));
      return a;
    },
  });

  app.post('/schools/:urn/tamper-sign-off', {
    config: { access: 'admin' },
    schema: {
      tags,
      operationId: 'signOffTamper',
      summary: "Admin: sign off a school's tampered history after finding out what happened; writes to the school resume and its history shows the finding and the sign-off",
      params: UrnParams,
      body: SignOffBody,
      response: { 200: SignOffOut, 422: ErrorOut, ...errors },
    },
    handler: async (request) => signOffTamper(request.server.service, who(request), request.params.urn, request.body),
  });
}

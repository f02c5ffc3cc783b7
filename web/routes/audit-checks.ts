/**
 * The audit's checks as pages: the funding conformance audit (findings per
 * school with the rule and the evidence events, filters by hub and year,
 * CSV, printable), the integrity check (pathway verify: run in the
 * background with its progress shown, then the result, what the last signed
 * checkpoint proves, each finding named, and the checkpoint to download),
 * and, for hub operations, the effects not carried out yet (pathway
 * effects). Not pure.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { DateTime } from 'luxon';
import { ValidationError } from '../../domain/errors.js';
import { LONDON } from '../../domain/calendar/london.js';
import type { Principal, Service } from '../../service/context.js';
import { listSchools } from '../../service/schools.js';
import { fundingAudit, findingsCsv } from '../../service/funding-audit.js';
import { fundingLedger, ledgerYear } from '../../service/ledger.js';
import { serviceSigningKey, verifyFor, type VerifyReport } from '../../service/verify.js';
import { listEffects, retryEffect, type EffectRetried } from '../../service/effects.js';
import { NotFoundError, RefusedError } from '../../service/errors.js';
import { effectRows, fundingAuditView, integrityView, whenWords } from '../../service/audit-views.js';
import { exportCheckpoint, latestCheckpoint } from '../../store/checkpoints.js';
import { pageHub, hubQuery, type PageHub } from '../hub-context.js';
import { flash, requireSignIn } from '../session.js';
import { fieldError } from '../forms.js';
import { renderStatusPage } from '../errors.js';

type Query = Record<string, string | undefined>;

const londonDay = (instant: string) => DateTime.fromISO(instant, { setZone: true }).setZone(LONDON).toISODate()!;

function qs(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams(Object.entries(params).filter((e): e is [string, string] => typeof e[1] === 'string' && e[1] !== ''));
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** One run of the integrity check, for the person who started it. */
interface CheckJob {
  id: string;
  owner: string;
  startedAt: string;
  checked: number;
  total: number;
  /** The replay check, after the chains: events folded again so far, of how many. */
  replayed: number;
  events: number;
  report: VerifyReport | null;
  error: string | null;
}

const JOBS_KEPT = 50;

/** Registers /audit/funding-audit(.csv), /audit/integrity (+ /progress, /checkpoint) and /hub/effects. Not pure. */
export async function auditCheckRoutes(app: FastifyInstance, svc: Service): Promise<void> {
  // ---- Funding audit -------------------------------------------------------------------------------------------
  const auditFor = async (p: Principal, q: Query, hub: PageHub) => {
    const year = (q.year ?? '').trim();
    try {
      if (year !== '') ledgerYear(year);
      return { audit: await fundingAudit(svc, p, { hub: hub.id, ...(year ? { year } : {}) }), year, problem: null as null | ReturnType<typeof fieldError> };
    } catch (err) {
      if (!(err instanceof ValidationError)) throw err;
      return { audit: await fundingAudit(svc, p, { hub: hub.id }), year: '', problem: fieldError('year', `Choose an academic year like 2026/27 (you asked for “${year}”)`) };
    }
  };

  app.get<{ Querystring: Query }>('/audit/funding-audit', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    const hub = await pageHub(svc, p, request);
    const { audit, year, problem } = await auditFor(p, request.query, hub);
    const hubParam = hubQuery(p, hub) ? hub.id : undefined;
    const years = [...new Set([...(await fundingLedger(svc, p, { hub: hub.id })).years, ...audit.findings.map((f) => f.academicYear)])].sort().reverse();
    const scope = `${hub.label} Maths Hub, ${year ? year : 'every year'}`;
    return reply.page(
      'audit/funding-audit.njk',
      {
        title: 'Funding audit',
        hubId: hub.id,
        hubName: hub.label,
        hub,
        hubParam,
        hubQs: qs({ hub: hubParam }),
        years,
        year,
        view: fundingAuditView(audit, scope),
        producedAt: svc.now(),
        producedBy: p.name,
        csvHref: `/audit/funding-audit.csv${qs({ hub: hubParam, year: year || undefined })}`,
        errors: problem?.errors ?? [],
        fieldErrors: problem?.fieldErrors ?? {},
        breadcrumbs: [{ text: 'Audit', href: `/audit${qs({ hub: hubParam })}` }, { text: 'Funding audit' }],
      },
      problem ? 400 : 200,
    );
  });

  app.get<{ Querystring: Query }>('/audit/funding-audit.csv', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    const hub = await pageHub(svc, p, request);
    const { audit, year, problem } = await auditFor(p, request.query, hub);
    const hubParam = hubQuery(p, hub) ? hub.id : undefined;
    if (problem) return reply.redirect(`/audit/funding-audit${qs({ hub: hubParam, year: request.query.year ?? '' })}`, 303);
    const name = `funding-audit-${hub.id}${year ? `-${year.replace('/', '-')}` : ''}-${londonDay(svc.now())}.csv`;
    return sendFile(reply, 'text/csv; charset=utf-8', name, `\uFEFF${findingsCsv(audit.findings)}`);
  });

  // ---- Integrity check -----------------------------------------------------------------------------------------
  const jobs = new Map<string, CheckJob>();
  const mayVerify = (p: Principal) => p.role === 'admin' || p.role === 'auditor';
  const refuse = (reply: FastifyReply) =>
    renderStatusPage(reply, 403, {
      title: 'Only auditors and administrators run the integrity check',
      body: ['The integrity check reads every school’s history, including schools of other hubs.', 'Each school’s own page on Audit says whether its history is intact.'],
      links: [{ href: '/audit', text: 'Go to Audit' }],
    });

  const start = (p: Principal): CheckJob => {
    const running = [...jobs.values()].find((j) => j.owner === p.id && !j.report && !j.error);
    if (running) return running;
    // When the check ran is a fact of the real world, as a checkpoint's signing time is (the database's clock):
    // both from the wall clock, so the page never says a check ran weeks before the checkpoint it checked was signed
    // when the service's school clock is set (the demo, the page tests).
    const job: CheckJob = { id: randomUUID(), owner: p.id, startedAt: new Date().toISOString(), checked: 0, total: 0, replayed: 0, events: 0, report: null, error: null };
    jobs.set(job.id, job);
    for (const [id, j] of jobs) if (jobs.size > JOBS_KEPT && (j.report || j.error)) jobs.delete(id);
    void (async () => {
      let key = null;
      let keyFile: string | undefined;
      try {
        ({ key, file: keyFile } = await serviceSigningKey(svc));
      } catch {
        key = null; // A key that cannot be read: the checkpoint's signature is reported as not checked.
      }
      return verifyFor(svc, p, {
        key,
        ...(keyFile ? { keyFile } : {}),
        onProgress: (checked, total) => {
          job.checked = checked;
          job.total = total;
        },
        // The auditor's check runs the rules again too: the states the pages show must be what the events give.
        replay: true,
        onReplayProgress: (replayed, events) => {
          job.replayed = replayed;
          job.events = events;
        },
      });
    })().then(
      (report) => {
        job.report = report;
      },
      (err: unknown) => {
        job.error = err instanceof Error ? err.message : String(err);
      },
    );
    return job;
  };
  const jobOf = (p: Principal, id: string | undefined) => {
    const j = id ? jobs.get(id) : undefined;
    return j && j.owner === p.id ? j : undefined;
  };

  app.get<{ Querystring: Query }>('/audit/integrity', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    if (!mayVerify(p)) return refuse(reply);
    const job = jobOf(p, request.query.check);
    // Each visit without a check of one's own runs a new one (one at a time per person); the address then shows it.
    if (!job) return reply.redirect(`/audit/integrity?check=${start(p).id}`, 303);
    const cp = await latestCheckpoint(svc.db);
    let view = null;
    if (job.report) {
      const names = new Map((await listSchools(svc, p)).map((s) => [s.urn, s.name ?? `School ${s.urn}`]));
      view = integrityView(job.report, names);
    }
    return reply.page('audit/integrity.njk', {
      title: 'Integrity check',
      job: { id: job.id, checked: job.checked, total: job.total, replayed: job.replayed, events: job.events, running: !job.report && !job.error, error: job.error, startedAt: job.startedAt },
      view,
      latest: cp ? { id: cp.id, when: whenWords(cp.createdAt), entries: cp.treeSize } : null,
      breadcrumbs: [{ text: 'Audit', href: '/audit' }, { text: 'Integrity check' }],
    });
  });

  app.get<{ Querystring: Query }>('/audit/integrity/progress', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    const job = jobOf(p, request.query.check);
    if (!job) return reply.code(404).header('cache-control', 'no-store').send({ done: true, checked: 0, total: 0 });
    return reply.header('cache-control', 'no-store').send({ done: !!(job.report || job.error), checked: job.checked, total: job.total, replayed: job.replayed, events: job.events });
  });

  app.get('/audit/integrity/checkpoint', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    if (!mayVerify(p)) return refuse(reply);
    const cp = await latestCheckpoint(svc.db);
    if (!cp) {
      return renderStatusPage(reply, 404, {
        title: 'No checkpoint has been signed yet',
        body: ['The service signs one when it starts and every few minutes after something changes.', 'Come back in a few minutes.'],
        links: [{ href: '/audit/integrity', text: 'Back to the integrity check' }],
      });
    }
    let publicPem = cp.publicKey;
    try {
      publicPem = (await serviceSigningKey(svc)).key?.publicPem ?? cp.publicKey;
    } catch {
      // The checkpoint's own copy of the public key: `pathway verify --checkpoint` checks it against the key it trusts.
    }
    const body = `${JSON.stringify(exportCheckpoint(cp, { publicPem }), null, 2)}\n`;
    return sendFile(reply, 'application/json; charset=utf-8', `checkpoint-${cp.id}-${londonDay(cp.createdAt)}.json`, body);
  });

  // ---- Effects (hub operations) --------------------------------------------------------------------------------
  /** The outbox page for `asked` (the "Show" filter's value), with a banner when a retry says what happened. */
  const outbox = async (request: FastifyRequest, reply: FastifyReply, p: Principal, asked: string, banner?: { text: string; important: boolean }) => {
    const hub = await pageHub(svc, p, request);
    const status = asked === 'failed' || asked === 'pending' ? asked : undefined;
    const problem = asked !== '' && !status ? fieldError('status', `Choose “All”, “Failed” or “Not done yet” (you asked for “${asked}”)`) : null;
    const [effects, schools] = await Promise.all([listEffects(svc, p, { hub: hub.id, ...(status ? { status } : {}) }), listSchools(svc, p, { hub: hub.id })]);
    const names = new Map(schools.map((s) => [s.urn, s.name ?? `School ${s.urn}`]));
    // Retry waits run in real time, not on the service's clock (see realWaitWords).
    const rows = effectRows(effects, names, svc.now(), Date.now());
    const hubParam = hubQuery(p, hub) ? hub.id : undefined;
    return reply.page(
      'board/effects.njk',
      {
        title: 'Outbox',
        hubId: hub.id,
        hubName: hub.label,
        hub,
        hubParam,
        hubQs: qs({ hub: hubParam }),
        status: status ?? '',
        rows,
        failed: rows.filter((r) => r.state === 'failed').length,
        // Hub staff and admins may try an email again; auditors only read.
        canRetry: p.role !== 'auditor',
        retryAction: `/hub/effects/retry${qs({ hub: hubParam, status })}`,
        errors: problem?.errors ?? [],
        fieldErrors: problem?.fieldErrors ?? {},
        breadcrumbs: [{ text: 'Hub board', href: `/hub${qs({ hub: hubParam })}` }, { text: 'Outbox' }],
        ...(banner ? { flashMessage: banner.text, flashImportant: banner.important } : {}),
      },
      problem ? 400 : 200,
    );
  };

  app.get<{ Querystring: Query }>('/hub/effects', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    return outbox(request, reply, p, (request.query.status ?? '').trim());
  });

  // "Try again now" on a failed email, or one waiting to retry: the service's retryEffect, which the CLI
  // (pathway effects retry) and the API (POST /effects/retry) call too. Pressing twice sends it once.
  app.post<{ Querystring: Query; Body: Record<string, string | undefined> }>('/hub/effects/retry', async (request, reply) => {
    const p = requireSignIn(request, reply);
    if (!p) return reply;
    const back = `/hub/effects${qs({ hub: request.query.hub, status: request.query.status })}`;
    if (p.role === 'auditor') {
      return renderStatusPage(reply, 403, { title: 'You cannot try an email again', body: ['Auditors can look at the outbox but cannot change anything.', 'Nothing was sent.'], links: [{ href: back, text: 'Back to the outbox' }] });
    }
    const key = (request.body?.key ?? '').trim();
    const asked = (request.query.status ?? '').trim();
    let done: EffectRetried;
    try {
      done = await retryEffect(svc, p, key);
    } catch (err) {
      if (err instanceof NotFoundError) {
        return renderStatusPage(reply, 404, { title: 'That email is not in the outbox', body: ['It may have been sent since the page was opened.', 'Nothing was sent.'], links: [{ href: back, text: 'Back to the outbox' }] });
      }
      if (err instanceof RefusedError) return outbox(request, reply, p, asked, { text: 'That email has not failed: it is sent when it is due, so nothing was done.', important: true });
      throw err;
    }
    const words = retriedWords(done);
    if (words.important) return outbox(request, reply, p, asked, words);
    flash(request, words.text);
    return reply.redirect(back, 303);
  });
}

/** A retry's outcome as the outbox's banner says it; `important` when it did not go (the page shows it at once, not as a success). Pure. */
export function retriedWords(r: EffectRetried): { text: string; important: boolean } {
  const what = r.type === 'notify' ? 'email' : 'item';
  switch (r.outcome) {
    case 'sent':
      return { text: `${r.type === 'notify' ? 'Email sent' : 'Done'}${r.describes ? `: ${r.describes}` : ''}`, important: false };
    case 'already-done':
      return { text: `That ${what} had already been dealt with, so nothing more was sent`, important: false };
    case 'queued':
      return { text: `The ${what} will be tried again in the next minute`, important: false };
    case 'busy':
      return { text: `The ${what} is being sent now, so it was not tried again`, important: false };
    case 'not-sent':
      return { text: `The ${what} was not sent${r.note ? `: ${r.note.replace(/^not sent: /, '')}` : ''}`, important: true };
    case 'failed':
      return { text: `The ${what} was tried again and failed${r.error ? `: ${r.error}` : ''}`, important: true };
  }
}

function sendFile(reply: FastifyReply, type: string, filename: string, body: string): FastifyReply {
  return reply
    .type(type)
    .header('content-disposition', `attachment; filename="${filename}"`)
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .send(body);
}

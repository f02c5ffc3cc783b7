/**
 * Every setting of Mastery Pathway in one list: where it comes from (an
 * environment variable, a command-line flag, or both; the flag wins), its
 * default, what it means, and the rule its value must keep. config/load.ts
 * parses the environment and the flags against this list at start; the
 * README's settings table is this list (a test keeps them the same). Pure.
 */
import { z } from 'zod';

/** The levels pino logs at. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** The engines a service can run on. */
export const ENGINES = ['embedded', 'temporal'] as const;

/** The data folder used when neither --db nor DATABASE_URL names one. */
export const DEFAULT_DB = './.pglite';

const text = z.string().trim().min(1, 'must not be empty');
const wholeNumber = (min: number, max: number) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be a whole number from ${min} to ${max}`).max(max, `must be a whole number from ${min} to ${max}`));
const url = (schemes: string[], example: string) =>
  z
    .string()
    .trim()
    .refine((v) => {
      try {
        return schemes.includes(new URL(v).protocol.replace(/:$/, ''));
      } catch {
        return false;
      }
    }, `must be a ${schemes.join(':// or ')}:// URL, e.g. ${example}`);
const flag = z.boolean({ error: 'must be on or off' });

/** One setting: its key in the parsed configuration, its sources, default and meaning. */
export interface Setting {
  key: string;
  /** The environment variable, if it can be set there. */
  env?: string;
  /** The command-line flag, if it can be given there (it wins over the variable). */
  flag?: string;
  /** The default, as the README shows it. */
  default: string;
  meaning: string;
  /** The rule, as a zod schema over the raw text (empty text counts as not set). */
  schema: z.ZodType;
}

/** The settings, in the order the README lists them. */
export const SETTINGS = [
  { key: 'db', env: 'DATABASE_URL', flag: '--db', default: DEFAULT_DB, meaning: 'the database: a PGlite folder, memory://, or a postgres:// URL', schema: text },
  { key: 'port', env: 'PORT', flag: '--port', default: '3000', meaning: '`serve`: the TCP port of the API and pages', schema: wholeNumber(0, 65535) },
  { key: 'host', env: 'HOST', flag: '--host', default: '127.0.0.1', meaning: '`serve`: the address to listen on', schema: text },
  { key: 'demo', flag: '--demo / --no-demo', default: 'on for the default PGlite folder only', meaning: '`serve`: seed the demo hub into an empty database', schema: flag },
  { key: 'logLevel', env: 'LOG_LEVEL', default: 'warn', meaning: `the server's log level: ${LOG_LEVELS.join(', ')}`, schema: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }) },
  { key: 'publicUrl', env: 'PUBLIC_URL', default: 'http://localhost:3000', meaning: 'the address people reach the service at, for links in emails (https:// makes cookies secure)', schema: url(['http', 'https'], 'https://pathway.example.org') },
  { key: 'smtpUrl', env: 'SMTP_URL', default: '(none: mail goes to the mailbox folder)', meaning: 'send mail over this SMTP server', schema: url(['smtp', 'smtps'], 'smtp://user:pass@mail.example.org:587') },
  { key: 'mailFrom', env: 'MAIL_FROM', default: 'Mastery Pathway <pathway@mathshub.invalid>', meaning: 'the sender of every email', schema: text },
  { key: 'mailboxDir', env: 'MAILBOX_DIR', default: '`mailbox` beside the PGlite folder (./mailbox for Postgres)', meaning: 'the folder mail is written to when SMTP_URL is not set', schema: text },
  { key: 'hubLeadEmail', env: 'HUB_LEAD_EMAIL', default: 'lead@<hub>.mathshub.invalid (delivers nowhere)', meaning: 'where escalations and digests go for hubs with no lead contact set', schema: z.email({ error: 'must be an email address, e.g. lead@hub.example.org' }) },
  { key: 'pgPoolSize', env: 'PGPOOL_SIZE', default: '10', meaning: 'the most Postgres connections one process opens', schema: wholeNumber(1, 1000) },
  { key: 'pgPreparedStatements', env: 'PATHWAY_PG_PREPARED_STATEMENTS', default: 'on', meaning: 'Postgres: prepare the statements every write runs once per connection; off behind a pooler that gives each transaction another server connection (PgBouncer in transaction mode without max_prepared_statements)', schema: z.enum(['on', 'off'], { error: 'must be on or off' }) },
  { key: 'maxWritesInFlight', env: 'PATHWAY_MAX_WRITES_IN_FLIGHT', default: '32', meaning: '`serve`: the most changes (POST, PUT, PATCH, DELETE) handled at once; one more is answered 503 with Retry-After at once, nothing saved, instead of waiting in an unbounded queue', schema: wholeNumber(1, 10000) },
  { key: 'engine', env: 'PATHWAY_ENGINE', default: 'embedded', meaning: 'the engine that runs the pathways: embedded (in this process) or temporal', schema: z.enum(ENGINES, { error: `must be one of ${ENGINES.join(', ')}` }) },
  { key: 'temporalAddress', env: 'TEMPORAL_ADDRESS', default: '(none; the temporal engine tries localhost:7233, `worker` needs it set)', meaning: 'the Temporal server, host:port', schema: z.string().trim().regex(/^[^\s:/]+:\d{1,5}$/, 'must be host:port, e.g. localhost:7233') },
  { key: 'temporalNamespace', env: 'TEMPORAL_NAMESPACE', default: 'default', meaning: 'the Temporal namespace', schema: text },
  { key: 'temporalTaskQueue', env: 'TEMPORAL_TASK_QUEUE', default: 'mastery-pathway', meaning: 'the Temporal task queue the engine and the worker share', schema: text },
  { key: 'buildId', env: 'PATHWAY_BUILD_ID', default: '(none)', meaning: "`worker`: the worker's build id for Temporal worker versioning", schema: text },
  { key: 'workflowBundle', env: 'PATHWAY_WORKFLOW_BUNDLE', default: '(none: the worker bundles workflows/ at start)', meaning: '`worker`: a workflow bundle built ahead (`npm run build:workflow-bundle`; the Docker image sets it) to load instead', schema: text },
  { key: 'signingKeyFile', env: 'PATHWAY_SIGNING_KEY_FILE', default: '`signing-key.pem` beside the PGlite folder (`<folder>.signing-key.pem`); `~/.config/pathway/signing-key.pem` for Postgres', meaning: 'the Ed25519 private key that signs checkpoints (created 0600 on first use); keep it off the database host if you can', schema: text },
  { key: 'signingKey', env: 'PATHWAY_SIGNING_KEY', default: '(none: the key file is used)', meaning: 'the checkpoint signing key itself, as PKCS#8 PEM text (wins over the file; for secret stores; checked when used, never printed)', schema: z.string() },
  { key: 'checkpointInterval', env: 'PATHWAY_CHECKPOINT_INTERVAL', default: '300', meaning: '`serve`: seconds between signed checkpoints (written only when the log changed); 0 turns them off', schema: wholeNumber(0, 86400) },
  { key: 'noColor', env: 'NO_COLOR', default: '(unset)', meaning: 'any value turns colour off (https://no-color.org)', schema: z.string() },
  { key: 'forceColor', env: 'FORCE_COLOR', default: '(unset)', meaning: '1, 2 or 3 turns colour on even when not on a terminal; 0 turns it off', schema: z.enum(['0', '1', '2', '3', 'true', 'false'], { error: 'must be 0, 1, 2, 3, true or false' }) },
] as const satisfies readonly Setting[];

/** The configuration the program runs with, every value checked. */
export interface Config {
  /** The database target: --db, else DATABASE_URL, else ./.pglite. */
  db: string;
  /** True when neither --db nor DATABASE_URL named the database (the demo hub is seeded only here unless asked). */
  dbIsDefault: boolean;
  port: number;
  host: string;
  /** --demo / --no-demo, or undefined when not said. */
  demo: boolean | undefined;
  logLevel: (typeof LOG_LEVELS)[number];
  publicUrl: string;
  smtpUrl: string | undefined;
  mailFrom: string;
  mailboxDir: string | undefined;
  hubLeadEmail: string | undefined;
  pgPoolSize: number;
  /** PATHWAY_PG_PREPARED_STATEMENTS: whether the hot statements are prepared once per Postgres connection. */
  pgPreparedStatements: boolean;
  /** PATHWAY_MAX_WRITES_IN_FLIGHT: changes handled at once by `serve` before one more is refused with 503. */
  maxWritesInFlight: number;
  engine: (typeof ENGINES)[number];
  temporalAddress: string | undefined;
  temporalNamespace: string;
  temporalTaskQueue: string;
  buildId: string | undefined;
  /** PATHWAY_WORKFLOW_BUNDLE: the prebuilt workflow bundle the worker loads (docs/deployment.md). */
  workflowBundle: string | undefined;
  /** PATHWAY_SIGNING_KEY_FILE: where the checkpoint signing key lives; undefined: beside the PGlite folder, or in ~/.config/pathway. */
  signingKeyFile: string | undefined;
  /** PATHWAY_SIGNING_KEY: the signing key as PEM text, instead of the file. */
  signingKey: string | undefined;
  /** Seconds between checkpoints written by `serve`; 0: none. */
  checkpointInterval: number;
  /** Colour: true on (FORCE_COLOR), false off (NO_COLOR or FORCE_COLOR=0), undefined: on a terminal only. */
  color: boolean | undefined;
}

/** The defaults of the settings that have one, as parsed values. */
export const DEFAULTS = {
  db: DEFAULT_DB,
  port: 3000,
  host: '127.0.0.1',
  logLevel: 'warn',
  publicUrl: 'http://localhost:3000',
  mailFrom: 'Mastery Pathway <pathway@mathshub.invalid>',
  pgPoolSize: 10,
  pgPreparedStatements: true,
  maxWritesInFlight: 32,
  engine: 'embedded',
  temporalNamespace: 'default',
  temporalTaskQueue: 'mastery-pathway',
  checkpointInterval: 300,
} as const;

/**
 * The configuration of this process, parsed once from the environment and the
 * command-line flags against config/schema.ts. Every problem is named at once
 * (the setting, its rule, the value given), so a person fixes them in one go.
 * This module is the only one that reads process.env: the CLI loads and
 * installs the configuration at start and passes values down; library code
 * that has no option for a value asks `settings()`.
 */
import { DEFAULTS, SETTINGS, type Config } from './schema.js';

/** The environment variables the program reads, by name. */
export type Environment = Readonly<Record<string, string | undefined>>;

/** The flags that are settings, as commander parsed them. */
export interface Flags {
  db?: string | undefined;
  port?: string | number | undefined;
  host?: string | undefined;
  demo?: boolean | undefined;
}

/** One setting's problem: which setting (variable or flag), the rule, the value given. */
export interface ConfigProblem {
  field: string;
  rule: string;
  value: string;
}

/** One or more settings have values their rules refuse. CLI exit 2. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: ConfigProblem[]) {
    super(
      [`the configuration has ${problems.length === 1 ? 'a problem' : `${problems.length} problems`}:`, ...problems.map((p) => `  ${p.field} ${p.rule} (got ${JSON.stringify(p.value)})`)].join('\n'),
    );
  }
}

/**
 * Parses the environment and the flags (a flag wins over its variable; empty
 * text counts as not set). Throws ConfigError naming every bad value. Pure.
 */
export function loadConfig(env: Environment, flags: Flags = {}): Config {
  const problems: ConfigProblem[] = [];
  const values: Record<string, unknown> = {};
  for (const s of SETTINGS) {
    const fromFlag = 'flag' in s ? (flags as Record<string, unknown>)[s.key] : undefined;
    const fromEnv = 'env' in s ? env[s.env] : undefined;
    const raw = fromFlag !== undefined ? (typeof fromFlag === 'number' ? String(fromFlag) : fromFlag) : fromEnv;
    if (raw === undefined || (typeof raw === 'string' && raw.trim() === '')) continue;
    const field = fromFlag !== undefined && 'flag' in s ? s.flag.split(' ')[0]! : 'env' in s ? s.env : s.key;
    const r = s.schema.safeParse(raw);
    if (r.success) values[s.key] = r.data;
    else problems.push({ field, rule: r.error.issues[0]?.message ?? 'is not valid', value: String(raw) });
  }
  if (problems.length) throw new ConfigError(problems);
  const forceColor = values.forceColor as string | undefined;
  return {
    db: (values.db as string | undefined) ?? DEFAULTS.db,
    dbIsDefault: values.db === undefined,
    port: (values.port as number | undefined) ?? DEFAULTS.port,
    host: (values.host as string | undefined) ?? DEFAULTS.host,
    demo: values.demo as boolean | undefined,
    logLevel: (values.logLevel as Config['logLevel'] | undefined) ?? DEFAULTS.logLevel,
    publicUrl: ((values.publicUrl as string | undefined) ?? DEFAULTS.publicUrl).replace(/\/+$/, ''),
    smtpUrl: values.smtpUrl as string | undefined,
    mailFrom: (values.mailFrom as string | undefined) ?? DEFAULTS.mailFrom,
    mailboxDir: values.mailboxDir as string | undefined,
    hubLeadEmail: values.hubLeadEmail as string | undefined,
    pgPoolSize: (values.pgPoolSize as number | undefined) ?? DEFAULTS.pgPoolSize,
    pgPreparedStatements: values.pgPreparedStatements === undefined ? DEFAULTS.pgPreparedStatements : values.pgPreparedStatements === 'on',
    maxWritesInFlight: (values.maxWritesInFlight as number | undefined) ?? DEFAULTS.maxWritesInFlight,
    engine: (values.engine as Config['engine'] | undefined) ?? DEFAULTS.engine,
    temporalAddress: values.temporalAddress as string | undefined,
    temporalNamespace: (values.temporalNamespace as string | undefined) ?? DEFAULTS.temporalNamespace,
    temporalTaskQueue: (values.temporalTaskQueue as string | undefined) ?? DEFAULTS.temporalTaskQueue,
    buildId: values.buildId as string | undefined,
    workflowBundle: values.workflowBundle as string | undefined,
    signingKeyFile: values.signingKeyFile as string | undefined,
    signingKey: values.signingKey as string | undefined,
    checkpointInterval: (values.checkpointInterval as number | undefined) ?? DEFAULTS.checkpointInterval,
    // FORCE_COLOR wins over NO_COLOR, as most tools do; NO_COLOR set to anything non-empty turns colour off.
    color: forceColor !== undefined ? !['0', 'false'].includes(forceColor) : values.noColor !== undefined ? false : undefined,
  };
}

/** This process's environment. The one read of process.env in the program. */
export function processEnvironment(): Environment {
  return process.env;
}

let installed: Config | undefined;

/** Makes `config` the configuration of this process (the CLI does, at start, after loading it). */
export function installSettings(config: Config): void {
  installed = config;
}

/**
 * The configuration of this process: the one the CLI installed, else (library
 * use, tests) the environment parsed now, so a test that sets a variable sees it.
 * Throws ConfigError for a bad value.
 */
export function settings(): Config {
  return installed ?? loadConfig(processEnvironment());
}

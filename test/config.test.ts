/**
 * The one configuration (config/): every setting parsed from the environment
 * and the flags with zod, every bad value named at once (the setting, its
 * rule, the value), flags winning over variables; the README's settings table
 * lists every setting with its default; and the CLI refuses a bad
 * configuration with exit 2 before it does anything.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../config/load.js';
import { SETTINGS } from '../config/schema.js';

const root = fileURLToPath(new URL('..', import.meta.url));

describe('loadConfig', () => {
  it('gives the defaults for an empty environment, and empty values count as not set', () => {
    const c = loadConfig({ DATABASE_URL: '', SMTP_URL: '  ' });
    expect(c).toEqual({
      db: './.pglite',
      dbIsDefault: true,
      port: 3000,
      host: '127.0.0.1',
      demo: undefined,
      logLevel: 'warn',
      publicUrl: 'http://localhost:3000',
      smtpUrl: undefined,
      mailFrom: 'Mastery Pathway <pathway@mathshub.invalid>',
      mailboxDir: undefined,
      hubLeadEmail: undefined,
      pgPoolSize: 10,
      pgPreparedStatements: true,
      maxWritesInFlight: 32,
      engine: 'embedded',
      temporalAddress: undefined,
      temporalNamespace: 'default',
      temporalTaskQueue: 'mastery-pathway',
      buildId: undefined,
      workflowBundle: undefined,
      signingKeyFile: undefined,
      signingKey: undefined,
      checkpointInterval: 300,
      color: undefined,
    });
  });

  it('reads each variable, and a flag wins over its variable', () => {
    const c = loadConfig(
      { DATABASE_URL: 'postgres://u@h:5432/hub', PORT: '8080', HOST: '0.0.0.0', LOG_LEVEL: 'info', PUBLIC_URL: 'https://hub.example.org/', SMTP_URL: 'smtp://mail:25', HUB_LEAD_EMAIL: 'lead@example.org', PGPOOL_SIZE: '4', PATHWAY_ENGINE: 'temporal', TEMPORAL_ADDRESS: 'temporal:7233' },
      { port: '9090', demo: true },
    );
    expect(c).toMatchObject({ db: 'postgres://u@h:5432/hub', dbIsDefault: false, port: 9090, host: '0.0.0.0', demo: true, logLevel: 'info', publicUrl: 'https://hub.example.org', smtpUrl: 'smtp://mail:25', hubLeadEmail: 'lead@example.org', pgPoolSize: 4, engine: 'temporal', temporalAddress: 'temporal:7233' });
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/a' }, { db: '/srv/db' })).toMatchObject({ db: '/srv/db', dbIsDefault: false });
    expect(loadConfig({ PATHWAY_PG_PREPARED_STATEMENTS: 'off' }).pgPreparedStatements).toBe(false);
    expect(() => loadConfig({ PATHWAY_PG_PREPARED_STATEMENTS: 'no' })).toThrow('PATHWAY_PG_PREPARED_STATEMENTS must be on or off (got "no")');
  });

  it('names every bad value at once: the setting, the rule, the value', () => {
    let err: unknown;
    try {
      loadConfig({ PORT: 'eighty', LOG_LEVEL: 'loud', SMTP_URL: 'http://mail', PGPOOL_SIZE: '0', HUB_LEAD_EMAIL: 'not-an-address', PATHWAY_ENGINE: 'docker', TEMPORAL_ADDRESS: 'no-port', FORCE_COLOR: 'yes', PUBLIC_URL: 'hub.example.org' }, { host: '' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).problems).toEqual([
      { field: 'PORT', rule: 'must be a whole number from 0 to 65535', value: 'eighty' },
      { field: 'LOG_LEVEL', rule: 'must be one of fatal, error, warn, info, debug, trace, silent', value: 'loud' },
      { field: 'PUBLIC_URL', rule: 'must be a http:// or https:// URL, e.g. https://pathway.example.org', value: 'hub.example.org' },
      { field: 'SMTP_URL', rule: 'must be a smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example.org:587', value: 'http://mail' },
      { field: 'HUB_LEAD_EMAIL', rule: 'must be an email address, e.g. lead@hub.example.org', value: 'not-an-address' },
      { field: 'PGPOOL_SIZE', rule: 'must be a whole number from 1 to 1000', value: '0' },
      { field: 'PATHWAY_ENGINE', rule: 'must be one of embedded, temporal', value: 'docker' },
      { field: 'TEMPORAL_ADDRESS', rule: 'must be host:port, e.g. localhost:7233', value: 'no-port' },
      { field: 'FORCE_COLOR', rule: 'must be 0, 1, 2, 3, true or false', value: 'yes' },
    ]);
    expect((err as Error).message.split('\n')).toEqual([
      'the configuration has 9 problems:',
      '  PORT must be a whole number from 0 to 65535 (got "eighty")',
      '  LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "loud")',
      '  PUBLIC_URL must be a http:// or https:// URL, e.g. https://pathway.example.org (got "hub.example.org")',
      '  SMTP_URL must be a smtp:// or smtps:// URL, e.g. smtp://user:pass@mail.example.org:587 (got "http://mail")',
      '  HUB_LEAD_EMAIL must be an email address, e.g. lead@hub.example.org (got "not-an-address")',
      '  PGPOOL_SIZE must be a whole number from 1 to 1000 (got "0")',
      '  PATHWAY_ENGINE must be one of embedded, temporal (got "docker")',
      '  TEMPORAL_ADDRESS must be host:port, e.g. localhost:7233 (got "no-port")',
      '  FORCE_COLOR must be 0, 1, 2, 3, true or false (got "yes")',
    ]);
  });

  it('names a bad flag by the flag, not by its variable', () => {
    expect(() => loadConfig({ PORT: '3000' }, { port: '70000' })).toThrow('--port must be a whole number from 0 to 65535 (got "70000")');
  });

  it('colour: FORCE_COLOR wins, NO_COLOR turns it off, else terminals only', () => {
    expect(loadConfig({ NO_COLOR: '1' }).color).toBe(false);
    expect(loadConfig({ NO_COLOR: '1', FORCE_COLOR: '1' }).color).toBe(true);
    expect(loadConfig({ FORCE_COLOR: '0' }).color).toBe(false);
    expect(loadConfig({}).color).toBeUndefined();
  });
});

describe('the README settings table', () => {
  it('lists every setting with its variable or flag and its default', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    const section = readme.slice(readme.indexOf('## Settings'));
    for (const s of SETTINGS) {
      const name = 'env' in s ? s.env : s.flag.split(' ')[0]!;
      const row = section.split('\n').find((l) => l.startsWith(`| \`${name}\``));
      expect(row, name).toBeDefined();
      expect(row!.replace(/`/g, ''), name).toContain(s.default.replace(/`/g, ''));
    }
  });
});

describe('the CLI with a bad configuration', () => {
  it('exits 2 naming every problem before it opens anything', async () => {
    const r = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(process.execPath, ['bin/pathway.mjs', '--db', join(root, 'never-made'), 'schools'], { cwd: root, env: { ...process.env, NO_COLOR: '1', PGPOOL_SIZE: 'many', LOG_LEVEL: 'chatty' } }, (err, stdout, stderr) =>
        resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr }),
      );
    });
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('pathway: the configuration has 2 problems:\n  LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent (got "chatty")\n  PGPOOL_SIZE must be a whole number from 1 to 1000 (got "many")\n');
  });
});

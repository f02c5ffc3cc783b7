/**
 * docker-compose.yml and the Dockerfile, checked without a docker engine (none
 * runs here): the YAML parses, every service the stack needs is there with a
 * health check where it can have one, the services agree on addresses and
 * credentials, and the search attributes the setup step registers are the
 * ones the workflows upsert.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { searchAttributes } from '../workflows/messages.js';

interface Service {
  image?: string;
  build?: string;
  command?: string[] | string;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(readFileSync(new URL('../docker-compose.yml', import.meta.url), 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const services = compose.services;

describe('docker-compose.yml', () => {
  it('parses, and has the whole stack', () => {
    expect(Object.keys(services).sort()).toEqual(['hub', 'mailpit', 'postgres', 'temporal', 'temporal-setup', 'temporal-ui', 'worker']);
    expect(services.temporal!.image).toMatch(/^temporalio\/auto-setup:/);
    expect(services['temporal-ui']!.image).toMatch(/^temporalio\/ui:/);
    expect(services.mailpit!.image).toMatch(/^axllent\/mailpit:/);
  });

  it('publishes the Temporal UI on 8080, the mail inbox on 8025, the hub on 3000 and Temporal on 7233', () => {
    expect(services['temporal-ui']!.ports).toContain('8080:8080');
    expect(services.mailpit!.ports).toContain('8025:8025');
    expect(services.hub!.ports).toContain('3000:3000');
    expect(services.temporal!.ports).toContain('7233:7233');
  });

  it('gives every long-running service that can have one a health check, and waits on them', () => {
    for (const name of ['postgres', 'temporal', 'mailpit', 'hub']) expect(services[name]!.healthcheck?.test.length, name).toBeGreaterThan(1);
    for (const [name, s] of Object.entries(services)) {
      for (const [dep, { condition }] of Object.entries(s.depends_on ?? {})) {
        expect(services[dep], `${name} depends on ${dep}`).toBeDefined();
        if (condition === 'service_healthy') expect(services[dep]!.healthcheck, `${name} waits for ${dep} to be healthy`).toBeDefined();
      }
    }
    expect(services.worker!.depends_on!['temporal-setup']!.condition).toBe('service_completed_successfully');
  });

  it('keeps Postgres data in a named volume', () => {
    expect(Object.keys(compose.volumes)).toEqual(['postgres-data']);
    expect(services.postgres!.volumes).toEqual(['postgres-data:/var/lib/postgresql/data']);
  });

  it('points the worker and the hub at the same Temporal, Postgres and mail catcher, the hub on the Temporal engine', () => {
    const pg = services.postgres!.environment!;
    const url = `postgres://${pg.POSTGRES_USER}:${pg.POSTGRES_PASSWORD}@postgres:5432/${pg.POSTGRES_DB}`;
    for (const name of ['worker', 'hub']) {
      expect(services[name]!.environment, name).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', DATABASE_URL: url, SMTP_URL: 'smtp://mailpit:1025', TEMPORAL_TASK_QUEUE: 'mastery-pathway' });
    }
    expect(services.hub!.environment!.PATHWAY_ENGINE).toBe('temporal');
    expect(services.worker!.environment!.PATHWAY_ENGINE).toBeUndefined();
    expect(services.worker!.command).toEqual(['node', 'bin/pathway.mjs', 'worker']);
    expect(services.hub!.command).toEqual(['node', 'bin/pathway.mjs', 'serve', '--host', '0.0.0.0', '--port', '3000']);
    expect(services.temporal!.environment).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgres', POSTGRES_USER: pg.POSTGRES_USER, POSTGRES_PWD: pg.POSTGRES_PASSWORD });
  });

  it('registers exactly the search attributes the workflows upsert, with their types', () => {
    const script = String((services['temporal-setup']!.command as string[])[0]);
    const registered = [...script.matchAll(/(Pathway\w+):(Keyword|Bool)/g)].map((m) => `${m[1]}:${m[2]!.toUpperCase()}`).sort();
    const upserted = Object.values(searchAttributes).map((k) => `${k.name}:${k.type}`).sort();
    expect(registered).toEqual(upserted);
  });
});

describe('Dockerfile', () => {
  const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');
  it('builds one node:20 image without dev dependencies, running as an unprivileged user', () => {
    expect(dockerfile).toMatch(/^FROM node:20\S*/m);
    expect(dockerfile).toMatch(/^RUN npm ci --omit=dev/m);
    expect(dockerfile).toMatch(/^USER node$/m);
  });
});

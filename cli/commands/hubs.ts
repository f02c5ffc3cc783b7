/**
 * `pathway hubs [--json]`: the 35 Maths Hubs of 2018/19 (seed 000) and their
 * lead schools, by region.
 */
import type { Command } from 'commander';
import { hubs, hubsByRegion, SCALE } from '../../domain/catalogue/hubs.js';
import { renderTable } from './programmes.js';

/** The hubs as text, one table per region. Pure. */
export function renderHubs(): string {
  const out: string[] = [];
  for (const { region, hubs: list } of hubsByRegion()) {
    out.push(`${region} (${list.length})`, renderTable(['id', 'name', 'lead school'], list.map((h) => [h.id, h.name, h.leadSchool])), '');
  }
  const regions = hubsByRegion().length;
  const since = SCALE.mathsHubs.find((s) => 'since' in s);
  out.push(`${hubs.length} Maths Hubs in ${regions} regions (2018/19, source 000)${since ? `; ${since.count} since ${'since' in since ? since.since : ''} (${since.source})` : ''}.`);
  return out.join('\n');
}

export function register(program: Command): void {
  program
    .command('hubs')
    .description('List the Maths Hubs and their lead schools, by region')
    .option('--json', 'print the hubs as JSON')
    .action((o: { json?: boolean }) => {
      process.stdout.write(o.json ? `${JSON.stringify(hubs, null, 2)}\n` : `${renderHubs()}\n`);
    });
}

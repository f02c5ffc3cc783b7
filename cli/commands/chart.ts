/**
 * `pathway chart <machine> [--format mermaid|svg|dot] [--full] [--out file]`:
 * the statechart of the pathway machine or of one phase machine, drawn from
 * the machine definition itself (machines/chart.ts), to stdout or a file.
 * The pathway is drawn at phase level (readable at A4 landscape) unless
 * --full asks for every state and transition.
 */
import { writeFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import type { AnyStateMachine } from 'xstate';
import { phaseChartOf, toDot, toMermaid, toPhaseDot, toPhaseMermaid, toPhaseSvg, toSvg } from '../../machines/chart.js';
import { pathwayMachine } from '../../machines/pathway.js';
import { phaseMachines } from '../../machines/phase-machines.js';
import { UsageError } from '../exit.js';

/** The machines that can be charted, by the name the command takes. */
export const CHARTABLE: Readonly<Record<string, AnyStateMachine>> = Object.freeze({
  pathway: pathwayMachine as AnyStateMachine,
  ...(phaseMachines as Record<string, AnyStateMachine>),
});

export const CHART_FORMATS = ['mermaid', 'svg', 'dot'] as const;
export type ChartFormat = (typeof CHART_FORMATS)[number];

/**
 * The chart of the named machine in a format: the pathway at phase level
 * unless `full`; an unknown name is a UsageError (exit 2) listing the names.
 * Pure but for svg (WebAssembly Graphviz).
 */
export async function renderChart(name: string, format: ChartFormat, options: { full?: boolean } = {}): Promise<string> {
  const machine = CHARTABLE[name];
  if (!machine) throw new UsageError(`no machine called ${JSON.stringify(name)}: choose one of ${Object.keys(CHARTABLE).join(', ')}`);
  if (name === 'pathway' && !options.full) {
    const chart = phaseChartOf(machine, phaseMachines as Record<string, AnyStateMachine>);
    if (format === 'svg') return toPhaseSvg(chart);
    return format === 'dot' ? toPhaseDot(chart, { technical: true }) : toPhaseMermaid(chart);
  }
  if (format === 'svg') return toSvg(machine);
  return format === 'dot' ? toDot(machine) : toMermaid(machine);
}

export function register(program: Command): void {
  program
    .command('chart')
    .description('Draw the statechart of the pathway or of one phase, read from the machine itself')
    .argument('<machine>', `the machine: ${Object.keys(CHARTABLE).join(', ')}`)
    .addOption(new Option('--format <format>', 'mermaid (stateDiagram-v2), svg (laid out by Graphviz) or dot').choices(CHART_FORMATS).default('mermaid'))
    .option('--full', 'draw every state and transition of the pathway, not its phases (phase charts are always full)')
    .option('--out <file>', 'write the chart to this file instead of stdout')
    .action(async (name: string, o: { format: ChartFormat; full?: boolean; out?: string }) => {
      const text = await renderChart(name, o.format, { full: o.full });
      if (o.out) writeFileSync(o.out, text);
      else process.stdout.write(text);
    });
}

import { runSagaPath } from '../../testing/runSagaPath.js';
import { sagaPaths } from '../../testing/sagaPaths.js';
import { SagaPathViolation } from '../../testing/SagaPathViolation.js';
import { CliError } from '../CliError.js';
import { str, type Command } from '../Command.js';
import { formatTable } from '../format/table.js';
import { readJsonArgument } from './run.js';
import { loadAllSagas, loadSagaNamed, loadSample } from './loadSagaNamed.js';

export const test: Command = {
  name: 'test',
  summary: 'run every path through a saga (or all) and check the saga invariants',
  usage: `sagachart test <saga|all> [--input JSON|@file] [--event-data JSON|@file] [--restore] [--filter TEXT]

Input and event data default to data/samples/<saga>.json ({ "input", "eventData" }).
--restore also crashes and restores the engine after every completed step.
Exit code 0 when every path keeps the invariants, 1 otherwise.`,
  options: {
    input: { type: 'string' },
    'event-data': { type: 'string' },
    restore: { type: 'boolean', default: false },
    filter: { type: 'string' },
    samples: { type: 'string' },
  },
  async run([name], values, { out }) {
    if (name === undefined) throw new CliError('test needs a saga name or "all"', 1, true);
    const sagas = name === 'all' ? await loadAllSagas(values) : [await loadSagaNamed(name, values)];
    const filter = str(values, 'filter');
    const rows: string[][] = [];
    const results: { saga: string; path: string; outcome: string; ms: number; violation?: string }[] = [];
    for (const saga of sagas) {
      const sample = loadSample(saga.name, values);
      const input =
        str(values, 'input') === undefined ? sample.input : readJsonArgument(str(values, 'input'), '--input');
      const eventData =
        str(values, 'event-data') === undefined
          ? sample.eventData
          : (readJsonArgument(str(values, 'event-data'), '--event-data') as Record<string, unknown>);
      for (const path of sagaPaths(saga, filter === undefined ? {} : { filter })) {
        const started = performance.now();
        try {
          const report = await runSagaPath(saga, path, {
            input,
            ...(eventData === undefined ? {} : { eventData }),
            crashAndRestore: values['restore'] === true,
          });
          results.push({ saga: saga.name, path: path.name, outcome: report.status, ms: report.durationMs });
        } catch (error) {
          if (!(error instanceof SagaPathViolation)) throw error;
          results.push({
            saga: saga.name,
            path: path.name,
            outcome: 'VIOLATION',
            ms: performance.now() - started,
            violation: error.message,
          });
        }
      }
    }
    const violations = results.filter((r) => r.violation !== undefined);
    if (values['json'] === true) out(JSON.stringify(results));
    else {
      for (const r of results) rows.push([r.saga, r.outcome, `${r.ms.toFixed(0)}ms`, r.path]);
      formatTable(['SAGA', 'OUTCOME', 'TIME', 'PATH'], rows).forEach(out);
      violations.forEach((v) => out(`✗ ${v.violation ?? ''}`));
      out(`${results.length - violations.length}/${results.length} paths keep the invariants`);
    }
    return violations.length === 0 ? 0 : 1;
  },
};

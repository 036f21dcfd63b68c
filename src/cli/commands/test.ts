import type { AnySagaDefinition } from '../../definition/types.js';
import { planSaga } from '../../compile/sagaPlan.js';
import { formatDuration } from '../../events/journalTimeline.js';
import { checkEventDataKeys } from '../../testing/pathData.js';
import { runSagaPath } from '../../testing/runSagaPath.js';
import type { SagaPathKind } from '../../testing/SagaPath.js';
import { SagaDataError } from '../../testing/SagaDataError.js';
import { sagaPaths } from '../../testing/sagaPaths.js';
import { SagaPathViolation } from '../../testing/SagaPathViolation.js';
import { CliError } from '../CliError.js';
import { str, type Command, type Values } from '../Command.js';
import { readJsonArgument } from './run.js';
import { loadAllSagas, loadSagaNamed, loadSample } from './loadSagaNamed.js';

const KINDS: readonly SagaPathKind[] = ['success', 'failure', 'operator'];

interface PathResult {
  readonly saga: string;
  readonly path: string;
  readonly kind: SagaPathKind;
  readonly outcome: string;
  readonly ms: number;
  readonly violation?: {
    readonly kind: string;
    readonly invariant: string;
    readonly step?: string | undefined;
    readonly message: string;
  };
}

const positiveInt = (values: Values, name: string): number | undefined => {
  const raw = str(values, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1)
    throw new CliError(`--${name} takes a whole number of at least 1, got "${raw}"`, 1, true);
  return n;
};

/** --event-data for these sagas: an object keyed by awaitEvent step names, each saga given its own keys. */
function eventDataFor(
  saga: AnySagaDefinition,
  all: readonly AnySagaDefinition[],
  raw: unknown,
): Record<string, unknown> {
  const mine = new Set(planSaga(saga).waits.keys());
  if (all.length === 1) {
    try {
      checkEventDataKeys(saga, raw);
    } catch (error) {
      if (error instanceof SagaDataError) throw new CliError(`--event-data: ${error.message}`, 1, true);
      throw error;
    }
  } else if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new CliError('--event-data takes an object keyed by the name of an awaitEvent step', 1, true);
  } else {
    const known = new Set(all.flatMap((s) => [...planSaga(s).waits.keys()]));
    const stray = Object.keys(raw).find((key) => !known.has(key));
    if (stray !== undefined) {
      throw new CliError(
        `--event-data is keyed by the name of an awaitEvent step; "${stray}" is not one in any of these sagas (known: ${[...known].join(', ') || 'none'})`,
        1,
        true,
      );
    }
  }
  return Object.fromEntries(Object.entries(raw as Record<string, unknown>).filter(([key]) => mine.has(key)));
}

export const test: Command = {
  name: 'test',
  summary: 'run every path through a saga (or all), operator paths included, and check the saga invariants',
  usage: `sagachart test <saga|all> [--input JSON|@file] [--event-data JSON|@file] [--runs N] [--seed N]
                     [--restore] [--filter TEXT] [--kind success|failure|operator] [--budget-ms N]

Runs every path that "sagachart paths" lists through a real engine, prints each one
as it runs (✓ or ✗ and its time), then a summary and every violation in full.
Exit code 0 when every path keeps the invariants, 1 otherwise.

Data: --input, then data/samples/<saga>.json ({ "input", "eventData" }); whatever is
still missing is generated from the saga's schemas.
  --event-data   the data of each awaited event, keyed by the awaitEvent step's name:
                 --event-data '{"underwriterDecision": {"approved": true, "underwriter": "grace"}}'
  --runs N       run each path N times with generated data; a failing case is shrunk to a
                 minimal one and shown
  --seed N       seed of the data generator (to replay a run)
  --restore      also kill and restore the engine after every completed step, and inside
                 every step and compensation outside parallel groups (after its effect,
                 before it returns)
  --budget-ms N  time budget of one path run (default 10000); past it the path is "stuck"`,
  options: {
    input: { type: 'string' },
    'event-data': { type: 'string' },
    runs: { type: 'string' },
    seed: { type: 'string' },
    restore: { type: 'boolean', default: false },
    filter: { type: 'string' },
    kind: { type: 'string' },
    'budget-ms': { type: 'string' },
    samples: { type: 'string' },
  },
  async run([name], values, { out }) {
    if (name === undefined) throw new CliError('test needs a saga name or "all"', 1, true);
    const kind = str(values, 'kind');
    if (kind !== undefined && !KINDS.includes(kind as SagaPathKind)) {
      throw new CliError(`--kind takes one of ${KINDS.join(', ')}, got "${kind}"`, 1, true);
    }
    const runs = positiveInt(values, 'runs');
    const seed = positiveInt(values, 'seed');
    const budgetMs = positiveInt(values, 'budget-ms');
    const sagas = name === 'all' ? await loadAllSagas(values) : [await loadSagaNamed(name, values)];
    const givenInput = str(values, 'input');
    const givenEvents = str(values, 'event-data');
    const rawEvents = givenEvents === undefined ? undefined : readJsonArgument(givenEvents, '--event-data');
    const filter = str(values, 'filter');
    const json = values['json'] === true;
    const started = performance.now();
    const results: PathResult[] = [];
    for (const saga of sagas) {
      const sample = loadSample(saga.name, values);
      const input = givenInput === undefined ? sample.input : readJsonArgument(givenInput, '--input');
      const eventData = rawEvents === undefined ? sample.eventData : eventDataFor(saga, sagas, rawEvents);
      const found = sagaPaths(saga, {
        ...(filter === undefined ? {} : { filter }),
        ...(kind === undefined ? {} : { kind: kind as SagaPathKind }),
      });
      if (!json) out(`${saga.name} v${saga.version}: ${found.length} paths`);
      for (const path of found) {
        const begun = performance.now();
        try {
          const report = await runSagaPath(saga, path, {
            ...(input === undefined ? {} : { input }),
            ...(eventData === undefined ? {} : { eventData }),
            ...(runs === undefined ? {} : { runs }),
            ...(seed === undefined ? {} : { seed }),
            ...(budgetMs === undefined ? {} : { budgetMs }),
            crashAndRestore: values['restore'] === true,
          });
          const ms = performance.now() - begun;
          results.push({ saga: saga.name, path: path.name, kind: path.kind, outcome: report.status, ms });
          if (!json) out(`  ✓ ${path.name}  ${formatDuration(Math.round(ms))}`);
        } catch (error) {
          if (!(error instanceof SagaPathViolation)) throw error;
          const ms = performance.now() - begun;
          results.push({
            saga: saga.name,
            path: path.name,
            kind: path.kind,
            outcome: 'VIOLATION',
            ms,
            violation: { kind: error.kind, invariant: error.invariant, step: error.step, message: error.message },
          });
          if (!json) {
            out(`  ✗ ${path.name}  ${formatDuration(Math.round(ms))}`);
            out(`      ${error.kind}: ${error.invariant}: ${error.divergence.split('\n')[0] ?? ''}`);
          }
        }
      }
    }
    const violations = results.filter((r) => r.violation !== undefined);
    if (json) {
      out(JSON.stringify(results));
      return violations.length === 0 ? 0 : 1;
    }
    const took = formatDuration(Math.round(performance.now() - started));
    out('');
    out(
      `${results.length - violations.length}/${results.length} paths keep the invariants` +
        `${violations.length === 0 ? '' : `, ${violations.length} broke`} (${took})`,
    );
    if (violations.length > 0) {
      out('');
      for (const v of violations) out(`✗ ${v.saga}: ${v.violation?.message ?? ''}\n`);
    }
    return violations.length === 0 ? 0 : 1;
  },
};

import type { SagaEngine } from '../runtime/SagaEngine.js';
import type { SseStats } from './SseStreams.js';

const BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

type Labels = Record<string, string>;

const labelText = (labels: Labels) =>
  Object.entries(labels)
    .map(([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`)
    .join(',');

class Counter {
  private readonly values = new Map<string, number>();
  inc(labels: Labels, by = 1): void {
    const key = labelText(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  lines(name: string): string[] {
    return [...this.values].map(([labels, value]) => `${name}{${labels}} ${value}`);
  }
}

class Histogram {
  private readonly series = new Map<string, { buckets: number[]; sum: number; count: number }>();
  observe(labels: Labels, seconds: number): void {
    const key = labelText(labels);
    const s = this.series.get(key) ?? { buckets: BUCKETS_SECONDS.map(() => 0), sum: 0, count: 0 };
    BUCKETS_SECONDS.forEach((le, i) => {
      if (seconds <= le) s.buckets[i] = (s.buckets[i] ?? 0) + 1;
    });
    s.sum += seconds;
    s.count += 1;
    this.series.set(key, s);
  }
  lines(name: string): string[] {
    return [...this.series].flatMap(([labels, s]) => [
      ...BUCKETS_SECONDS.map((le, i) => `${name}_bucket{${labels},le="${le}"} ${s.buckets[i] ?? 0}`),
      `${name}_bucket{${labels},le="+Inf"} ${s.count}`,
      `${name}_sum{${labels}} ${s.sum}`,
      `${name}_count{${labels}} ${s.count}`,
    ]);
  }
}

/**
 * Prometheus metrics for `GET /metrics`: counters and a step duration histogram
 * fed by the engine's durable transitions, and executions by saga and status
 * read from the store at scrape time.
 */
export class PrometheusMetrics {
  private readonly started = new Counter();
  private readonly finished = new Counter();
  private readonly retries = new Counter();
  private readonly compensations = new Counter();
  private readonly stepDuration = new Histogram();
  private readonly stepStarts = new Map<string, number>();
  readonly stop: () => void;

  constructor(
    private readonly engine: SagaEngine,
    private readonly sse: () => SseStats = () => ({ clients: 0, dropped: 0, bufferedBytes: [], peakBufferedBytes: 0 }),
  ) {
    this.stop = engine.subscribe((event) => {
      for (const entry of event.entries) {
        const step = entry.step ?? '';
        const key = `${event.executionId}:${step}:${entry.attempt ?? 0}`;
        switch (entry.type) {
          case 'SagaStarted':
            this.started.inc({ saga: event.saga });
            break;
          case 'StepStarted':
            this.stepStarts.set(key, entry.at);
            break;
          case 'StepCompleted':
          case 'StepFailed': {
            const startedAt = this.stepStarts.get(key);
            this.stepStarts.delete(key);
            if (startedAt !== undefined) {
              const outcome = entry.type === 'StepCompleted' ? 'completed' : 'failed';
              this.stepDuration.observe({ saga: event.saga, step, outcome }, (entry.at - startedAt) / 1000);
            }
            break;
          }
          case 'StepRetryScheduled':
            this.retries.inc({ saga: event.saga, step });
            break;
          case 'StepCompensated':
            this.compensations.inc({ saga: event.saga, step });
            break;
          case 'SagaCompleted':
          case 'SagaCompensated':
          case 'SagaFailed':
            this.finished.inc({ saga: event.saga, status: entry.type.slice('Saga'.length) });
            break;
          default:
            break;
        }
      }
    });
  }

  /** With a store many engines share: this engine's leases, labelled with its id. */
  private ownershipSections(): [string, string, string, string[]][] {
    const stats = this.engine.ownershipStats();
    if (stats === undefined) return [];
    const engine = labelText({ engine: stats.engineId });
    return [
      [
        'sagachart_engine_held',
        'gauge',
        'Executions this engine holds under a lease.',
        [`sagachart_engine_held{${engine}} ${stats.held}`],
      ],
      [
        'sagachart_engine_claimed_total',
        'counter',
        'Executions this engine claimed: due parked ones, and ones whose holder lost its lease.',
        [`sagachart_engine_claimed_total{${engine}} ${stats.claimed}`],
      ],
      [
        'sagachart_engine_leases_lost_total',
        'counter',
        'Executions another engine took over from this one (its writes for them were refused by fence).',
        [`sagachart_engine_leases_lost_total{${engine}} ${stats.lost}`],
      ],
    ];
  }

  async render(): Promise<string> {
    const counts = await this.engine.counts();
    const sse = this.sse();
    const sections: [string, string, string, string[]][] = [
      [
        'sagachart_executions',
        'gauge',
        'Executions by saga and status, from the store.',
        counts.map((c) => `sagachart_executions{${labelText({ saga: c.saga, status: c.status })}} ${c.count}`),
      ],
      [
        'sagachart_executions_started_total',
        'counter',
        'Executions started by this process.',
        this.started.lines('sagachart_executions_started_total'),
      ],
      [
        'sagachart_executions_finished_total',
        'counter',
        'Executions that reached Completed, Compensated or Failed.',
        this.finished.lines('sagachart_executions_finished_total'),
      ],
      [
        'sagachart_step_duration_seconds',
        'histogram',
        'Duration of step attempts.',
        this.stepDuration.lines('sagachart_step_duration_seconds'),
      ],
      [
        'sagachart_step_retries_total',
        'counter',
        'Retries scheduled, steps and compensations.',
        this.retries.lines('sagachart_step_retries_total'),
      ],
      [
        'sagachart_compensations_total',
        'counter',
        'Compensations completed.',
        this.compensations.lines('sagachart_compensations_total'),
      ],
      ['sagachart_sse_clients', 'gauge', 'Open SSE stream connections.', [`sagachart_sse_clients ${sse.clients}`]],
      [
        'sagachart_sse_buffered_bytes',
        'gauge',
        'Bytes waiting for SSE clients to read them, all clients together.',
        [`sagachart_sse_buffered_bytes ${sse.bufferedBytes.reduce((a, b) => a + b, 0)}`],
      ],
      [
        'sagachart_sse_dropped_total',
        'counter',
        'SSE clients dropped for falling too far behind (they resume with Last-Event-ID).',
        [`sagachart_sse_dropped_total ${sse.dropped}`],
      ],
      [
        'sagachart_engine_executions_in_memory',
        'gauge',
        'Executions this engine holds in memory (the ones that move; parked ones are not counted).',
        [`sagachart_engine_executions_in_memory ${this.engine.held()}`],
      ],
      ...this.ownershipSections(),
    ];
    return `${sections
      .map(([name, type, help, lines]) => [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...lines].join('\n'))
      .join('\n')}\n`;
  }
}

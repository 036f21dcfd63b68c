// Types only: erased from the output, so nothing loads unless startOtlp imports it.
import type * as ContextAsyncHooks from '@opentelemetry/context-async-hooks';
import type * as ExporterMetrics from '@opentelemetry/exporter-metrics-otlp-http';
import type * as ExporterTrace from '@opentelemetry/exporter-trace-otlp-http';
import type * as SdkMetrics from '@opentelemetry/sdk-metrics';
import type * as SdkTraceBase from '@opentelemetry/sdk-trace-base';
import { CliError } from './CliError.js';

/**
 * The OpenTelemetry SDK packages `--otlp` needs. They are optional peer
 * dependencies of sagachart: a plain install does not pull them (nor the
 * protobufjs install script the exporters bring), so telemetry export is
 * something a user installs when they turn it on.
 */
export const OTLP_PACKAGES = [
  '@opentelemetry/context-async-hooks',
  '@opentelemetry/sdk-trace-base',
  '@opentelemetry/exporter-trace-otlp-http',
  '@opentelemetry/sdk-metrics',
  '@opentelemetry/exporter-metrics-otlp-http',
] as const;

const isMissing = (error: unknown): boolean =>
  typeof error === 'object' &&
  error !== null &&
  ((error as { code?: unknown }).code === 'ERR_MODULE_NOT_FOUND' ||
    (error as { code?: unknown }).code === 'MODULE_NOT_FOUND');

/**
 * Imports optional packages, or fails with one CliError naming each one that is
 * not installed and the command that installs them all.
 *
 * @internal
 */
export async function importOptional<T extends readonly string[]>(
  specifiers: T,
  purpose: string,
): Promise<{ [K in keyof T]: unknown }> {
  const results = await Promise.allSettled(specifiers.map((s) => import(s) as Promise<unknown>));
  const missing = specifiers.filter((_, i) => {
    const r = results[i];
    return r?.status === 'rejected' && isMissing(r.reason);
  });
  if (missing.length > 0) {
    throw new CliError(
      `${purpose} needs ${missing.join(', ')}, not installed (optional peer dependencies of sagachart). ` +
        `Install them beside sagachart: npm install ${specifiers.join(' ')}`,
    );
  }
  const failed = results.find((r) => r.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as { [K in keyof T]: unknown };
}

type Sdk = [
  typeof ContextAsyncHooks,
  typeof SdkTraceBase,
  typeof ExporterTrace,
  typeof SdkMetrics,
  typeof ExporterMetrics,
];

/**
 * `serve --otlp URL`: the CLI is an application, so it picks the OpenTelemetry
 * SDK (the library itself uses @opentelemetry/api only). Loaded on demand, so
 * nothing of the SDK is imported (or needs installing) unless asked for.
 */
export async function startOtlp(endpoint: string): Promise<() => Promise<void>> {
  const api = await import('@opentelemetry/api');
  const [{ AsyncLocalStorageContextManager }, traces, { OTLPTraceExporter }, sdkMetrics, { OTLPMetricExporter }] =
    (await importOptional(OTLP_PACKAGES, '--otlp (telemetry export)')) as Sdk;
  const base = endpoint.replace(/\/$/, '');
  const tracerProvider = new traces.BasicTracerProvider({
    spanProcessors: [
      new traces.BatchSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces` }), { scheduledDelayMillis: 500 }),
    ],
  });
  const meterProvider = new sdkMetrics.MeterProvider({
    readers: [
      new sdkMetrics.PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics` }),
        exportIntervalMillis: 10_000,
      }),
    ],
  });
  api.context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  api.trace.setGlobalTracerProvider(tracerProvider);
  api.metrics.setGlobalMeterProvider(meterProvider);
  return async () => {
    await tracerProvider.shutdown();
    await meterProvider.shutdown();
  };
}

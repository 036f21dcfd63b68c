/**
 * `serve --otlp URL`: the CLI is an application, so it picks the OpenTelemetry
 * SDK (the library itself uses @opentelemetry/api only). Loaded on demand, so
 * nothing of the SDK is imported unless asked for.
 */
export async function startOtlp(endpoint: string): Promise<() => Promise<void>> {
  const [api, { AsyncLocalStorageContextManager }, traces, { OTLPTraceExporter }, sdkMetrics, { OTLPMetricExporter }] =
    await Promise.all([
      import('@opentelemetry/api'),
      import('@opentelemetry/context-async-hooks'),
      import('@opentelemetry/sdk-trace-base'),
      import('@opentelemetry/exporter-trace-otlp-http'),
      import('@opentelemetry/sdk-metrics'),
      import('@opentelemetry/exporter-metrics-otlp-http'),
    ]);
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

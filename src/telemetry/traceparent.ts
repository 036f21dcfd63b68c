import { context, isSpanContextValid, trace, type SpanContext } from '@opentelemetry/api';

const hex2 = (n: number): string => n.toString(16).padStart(2, '0');

/**
 * The W3C `traceparent` of the active span (the step's span while it sends a
 * remote command), else of the saga's stored trace: a participant that reads it
 * joins the saga's trace. Undefined when there is neither.
 *
 * @internal
 */
export function activeTraceparent(fallback: Omit<SpanContext, 'isRemote'> | null): string | undefined {
  const active = trace.getSpan(context.active())?.spanContext();
  const span = active !== undefined && isSpanContextValid(active) ? active : fallback;
  if (span === null || !isSpanContextValid(span)) return undefined;
  return `00-${span.traceId}-${span.spanId}-${hex2(span.traceFlags & 0xff)}`;
}

import type { ExecutionView } from '../../runtime/ExecutionView.js';
import { describeWaiting, waitingFor, type WaitingSaga } from '../../runtime/waitingFor.js';
import { schemaExample } from '../../server/schemaExample.js';
import type { Values } from '../Command.js';
import type { SagaSummary } from '../SagaClient.js';
import { commandHint } from './commandHint.js';

/**
 * What an execution waits for, in lines for a person: each wait, and the
 * command that ends it (`send` with a data template from the event's
 * schema, or `retry` for a Failed one).
 */
export function waitingLines(view: ExecutionView, saga: SagaSummary | undefined, values: Values): string[] {
  const shape: WaitingSaga = saga ?? { steps: [] };
  const lines: string[] = [];
  for (const wait of waitingFor(view, shape)) {
    lines.push(`Now: ${describeWaiting(wait)}`);
    if (wait.kind === 'event') {
      const schema = findSchema(saga, wait.step);
      const args = ['send', view.id, wait.event];
      if (schema !== null) args.push('--data', JSON.stringify(schemaExample(schema)));
      lines.push(`  send it: ${commandHint(values, args)}`);
    }
    if (wait.kind === 'person') lines.push(`  fix the cause, then: ${commandHint(values, ['retry', view.id])}`);
  }
  if (view.deadlineAt !== null && (view.status === 'Running' || view.status === 'Compensating')) {
    lines.push(`Deadline: ${new Date(view.deadlineAt).toISOString()}`);
  }
  return lines;
}

/** The JSON Schema of the event awaited at `step`, null when it has none. */
function findSchema(saga: SagaSummary | undefined, step: string): Record<string, unknown> | null {
  const found = saga?.steps.find((s) => s.name === step);
  return (found?.schema as Record<string, unknown> | null | undefined) ?? null;
}

/** The saga summary that matches an execution's saga and version (or its newest version). */
export function summaryFor(sagas: readonly SagaSummary[], view: ExecutionView): SagaSummary | undefined {
  return (
    sagas.find((s) => s.name === view.saga && s.version === view.version) ?? sagas.find((s) => s.name === view.saga)
  );
}

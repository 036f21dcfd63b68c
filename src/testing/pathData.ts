import fc, { type Arbitrary } from 'fast-check';
import { planSaga } from '../compile/sagaPlan.js';
import type { AnySagaDefinition } from '../definition/types.js';
import { SagaDataError } from './SagaDataError.js';
import { schemaArbitrary } from './schemaArbitrary.js';

/**
 * Event data is keyed by the awaitEvent's step name; anything else (often the
 * event's own data) is refused with a message that says so.
 *
 * @internal
 */
export function checkEventDataKeys(definition: AnySagaDefinition, eventData: unknown): void {
  if (eventData === undefined) return;
  const waits = [...planSaga(definition).waits.values()];
  const example =
    waits[0] === undefined
      ? 'this saga awaits no event'
      : `e.g. { ${waits[0].name}: <the data of "${waits[0].definition.options.event}"> }`;
  const rule = `eventData is keyed by the name of an awaitEvent step, ${example}`;
  if (typeof eventData !== 'object' || eventData === null || Array.isArray(eventData)) {
    throw new SagaDataError(`${rule}; got ${JSON.stringify(eventData)}`);
  }
  const stray = Object.keys(eventData).find((key) => !waits.some((w) => w.name === key));
  if (stray !== undefined) {
    const known = waits.length === 0 ? 'it has none' : `its awaitEvent steps: ${waits.map((w) => w.name).join(', ')}`;
    throw new SagaDataError(`${rule}; "${stray}" is not an awaitEvent step of ${definition.name} (${known})`);
  }
}

/** The data one run of a path uses: the saga's input and each awaited event's data, by step name. */
export interface PathData {
  readonly input: unknown;
  readonly eventData: Readonly<Record<string, unknown>>;
}

export interface GivenPathData {
  readonly input?: unknown;
  readonly eventData?: Readonly<Record<string, unknown>> | undefined;
}

/**
 * The data of a path's runs: what the caller gave, and the rest generated from
 * the saga's input schema and each awaited event's schema. `generated` names
 * the parts that were generated (`input`, `eventData.<step>`).
 *
 * @internal
 */
export function pathDataArbitrary(
  definition: AnySagaDefinition,
  given: GivenPathData,
): { readonly arbitrary: Arbitrary<PathData>; readonly generated: readonly string[] } {
  checkEventDataKeys(definition, given.eventData);
  const generated: string[] = [];
  const input =
    given.input !== undefined
      ? fc.constant(given.input)
      : (generated.push('input'),
        schemaArbitrary(definition.input, `the input of saga "${definition.name}"`, 'pass `input` yourself'));
  const events: Record<string, Arbitrary<unknown>> = {};
  for (const wait of planSaga(definition).waits.values()) {
    const data = given.eventData?.[wait.name];
    const schema = wait.definition.options.schema;
    if (data !== undefined) events[wait.name] = fc.constant(data);
    else if (schema === undefined) events[wait.name] = fc.constant({});
    else {
      generated.push(`eventData.${wait.name}`);
      events[wait.name] = schemaArbitrary(
        schema,
        `the data of event "${wait.definition.options.event}" (awaited by "${wait.name}")`,
        `pass it yourself: eventData: { ${wait.name}: ... }`,
      );
    }
  }
  return { arbitrary: fc.record({ input, eventData: fc.record(events) }), generated };
}

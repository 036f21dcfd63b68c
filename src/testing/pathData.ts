import fc, { type Arbitrary } from 'fast-check';
import { planSaga } from '../compile/sagaPlan.js';
import type { AnySagaDefinition } from '../definition/types.js';
import { schemaArbitrary } from './schemaArbitrary.js';

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

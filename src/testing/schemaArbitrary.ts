import fc, { type Arbitrary } from 'fast-check';
import { z } from 'zod';
import { jsonSchemaArbitrary, type JsonSchema } from './jsonSchemaArbitrary.js';
import { SagaDataError } from './SagaDataError.js';

// Consecutive values a schema may refuse before generation gives up with a clear error.
const MAX_REJECTED = 500;

/**
 * Valid inputs of a zod schema: generated from its JSON Schema (zod 4's
 * `z.toJSONSchema`, input side), then kept only when the schema itself accepts
 * them, so refinements JSON Schema cannot say still hold. `what` names the
 * value in the error thrown when nothing valid comes out.
 *
 * @internal
 */
export function schemaArbitrary(schema: z.ZodType, what: string, hint: string): Arbitrary<unknown> {
  let json: JsonSchema;
  try {
    json = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  } catch (error) {
    throw new SagaDataError(`Cannot generate ${what}: its schema has no JSON Schema (${String(error)}); ${hint}`, {
      cause: error,
    });
  }
  let rejected = 0;
  return jsonSchemaArbitrary(json).filter((value) => {
    if (schema.safeParse(value).success) {
      rejected = 0;
      return true;
    }
    rejected += 1;
    if (rejected >= MAX_REJECTED) {
      rejected = 0;
      throw new SagaDataError(
        `Cannot generate ${what}: its schema refused ${MAX_REJECTED} generated values in a row (e.g. ${JSON.stringify(value)}); ${hint}`,
      );
    }
    return false;
  });
}

/** One value of an arbitrary, the same for the same seed. @internal */
export function sampleOne<T>(arbitrary: Arbitrary<T>, seed: number): T {
  const [value] = fc.sample(arbitrary, { seed, numRuns: 1 });
  return value as T;
}

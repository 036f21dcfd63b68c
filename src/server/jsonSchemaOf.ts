import { z } from 'zod';

/** A JSON Schema object as zod 4's `z.toJSONSchema` writes it. */
export type JsonSchema = Record<string, unknown>;

/**
 * The JSON Schema of what a caller sends (zod's input side): what the API
 * publishes for a saga's input and each awaited event's data. Parts JSON
 * Schema cannot say (dates, transforms' outputs) become `{}` (any value);
 * a schema that cannot be converted at all gives null rather than an error.
 *
 * @example
 * jsonSchemaOf(z.object({ approved: z.boolean() }));
 * // { $schema: '…', type: 'object', properties: { approved: { type: 'boolean' } }, required: ['approved'] }
 */
export function jsonSchemaOf(schema: unknown): JsonSchema | null {
  if (!(schema instanceof z.ZodType)) return null;
  try {
    return z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' });
  } catch {
    return null;
  }
}

import { z } from 'zod';
import { EXECUTION_ID } from '../runtime/executeOptions.js';
import { EXECUTION_STATUSES } from '../store/SagaStore.js';
import { HttpError } from './HttpError.js';

export const startBody = z
  .object({
    saga: z.string().min(1),
    input: z.unknown(),
    executionId: z.string().regex(EXECUTION_ID, "use 1-128 letters, digits, '.', '_', ':' or '-'").optional(),
    idempotencyKey: z.string().min(1).max(256).optional(),
    deadlineMs: z.number().int().positive().optional(),
  })
  .strict();

export const cancelBody = z.object({ reason: z.string().max(1000).optional() }).strict();

export const retryBody = z.object({}).strict();

export const sendBody = z.object({ type: z.string().min(1).max(200), data: z.unknown().optional() }).strict();

const status = z.enum(EXECUTION_STATUSES as [string, ...string[]]);

export const listQuery = z
  .object({
    status: z.union([status, z.array(status)]).optional(),
    saga: z.string().min(1).optional(),
    createdAfter: z.coerce.number().int().nonnegative().optional(),
    createdBefore: z.coerce.number().int().nonnegative().optional(),
    idPrefix: z.string().min(1).max(200).optional(),
    inputField: z.string().min(1).max(200).optional(),
    inputValue: z.string().max(1000).optional(),
    overdueBefore: z.coerce.number().int().nonnegative().optional(),
    limit: z.coerce.number().int().min(1).max(1000).optional(),
    cursor: z.string().min(1).optional(),
  })
  .strict()
  .refine((q) => (q.inputField === undefined) === (q.inputValue === undefined), {
    message: 'inputField and inputValue go together',
    path: ['inputValue'],
  });

export const journalQuery = z.object({ afterSeq: z.coerce.number().int().nonnegative().optional() }).strict();

/** Parses `value` or throws a 400 naming each field that is wrong. */
export function parseRequest<T>(schema: z.ZodType<T>, value: unknown, where: 'body' | 'query'): T {
  if (where === 'body' && (typeof value !== 'object' || value === null || Array.isArray(value))) {
    throw new HttpError(400, 'INVALID_BODY', 'The request body must be a JSON object (Content-Type: application/json)');
  }
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues.map((i) => ({
    field: [where, ...i.path.map(String)].join('.'),
    message: i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : i.message,
  }));
  throw new HttpError(400, 'INVALID_REQUEST', issues.map((i) => `${i.field}: ${i.message}`).join('; '), { issues });
}

import { SagaInputError } from '../definition/errors.js';
import type { ExecutionStatus, ListQuery } from './SagaStore.js';

/** The position after which a page starts: newest first, by creation time then id. */
export interface CursorPosition {
  readonly createdAt: number;
  readonly id: string;
}

export function encodeCursor(position: CursorPosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id])).toString('base64url');
}

export function decodeCursor(cursor: string): CursorPosition {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(parsed) && typeof parsed[0] === 'number' && typeof parsed[1] === 'string') {
      return { createdAt: parsed[0], id: parsed[1] };
    }
  } catch {
    // fall through to the error below
  }
  const message = `Invalid cursor "${cursor}": pass the nextCursor of a previous page`;
  throw new SagaInputError(message, [{ path: ['cursor'], message, code: 'invalid_cursor' }]);
}

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 1000;

export function pageSize(query: ListQuery): number {
  const limit = query.limit ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    const message = `Invalid limit ${limit}: use a whole number from 1 to ${MAX_PAGE_SIZE}`;
    throw new SagaInputError(message, [{ path: ['limit'], message, code: 'invalid_limit' }]);
  }
  return limit;
}

export function statusFilter(query: ListQuery): readonly ExecutionStatus[] | undefined {
  if (query.status === undefined) return undefined;
  return typeof query.status === 'string' ? [query.status] : query.status;
}

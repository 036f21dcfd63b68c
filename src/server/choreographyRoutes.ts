import type { Express, Request, RequestHandler } from 'express';
import { z } from 'zod';
import { ChoreographyBoard, type ChoreographyFollowing } from '../choreography/ChoreographyBoard.js';
import { CHOREOGRAPHY_STATUSES } from '../choreography/ChoreographyInstance.js';
import { BadCursorError } from '../choreography/ChoreographyTrackers.js';
import type { ChoreographyDefinition } from '../choreography/defineChoreography.js';
import { chartJson } from './chartJson.js';
import { HttpError } from './HttpError.js';
import { parseRequest } from './requestSchemas.js';

const instancesQuery = z
  .object({
    status: z.enum(CHOREOGRAPHY_STATUSES as [string, ...string[]]).optional(),
    flagged: z.enum(['true', 'false']).optional(),
    idPrefix: z.string().min(1).max(200).optional(),
    limit: z.coerce.number().int().min(1).max(500).optional(),
    cursor: z.string().min(1).max(1000).optional(),
  })
  .strict();

const NONE_FOLLOWED: ChoreographyFollowing = { following: false, note: 'not followed', stream: null, subject: null };

const param = (req: Request, name: string): string => String(req.params[name] ?? '');

/**
 * The read routes of the choreographies beside the executions: list (with
 * counts by status and flagged), one, its chart, its instances (filtered,
 * paged), one instance with its timeline. Without a board, the list is empty.
 *
 * @internal
 */
export function choreographyRoutes(app: Express, reading: RequestHandler, board: ChoreographyBoard | undefined): void {
  const shown = board ?? new ChoreographyBoard([], undefined, () => NONE_FOLLOWED);
  const named = (req: Request): ChoreographyDefinition => shown.definitionNamed(param(req, 'name'));
  app.get('/api/choreographies', reading, (_req, res) => {
    res.json({ items: shown.summaries() });
  });
  app.get('/api/choreographies/:name', reading, (req, res) => {
    res.json(shown.summary(named(req)));
  });
  app.get('/api/choreographies/:name/chart', reading, (req, res) => {
    res.json(chartJson(shown.machine(named(req))));
  });
  app.get('/api/choreographies/:name/instances', reading, (req, res) => {
    const definition = named(req);
    const { flagged, status, ...rest } = parseRequest(instancesQuery, req.query, 'query');
    try {
      res.json(
        shown.list(definition, {
          ...rest,
          ...(status === undefined ? {} : { status: status as (typeof CHOREOGRAPHY_STATUSES)[number] }),
          ...(flagged === undefined ? {} : { flagged: flagged === 'true' }),
        }),
      );
    } catch (error) {
      if (error instanceof BadCursorError) throw new HttpError(400, 'INVALID_CURSOR', error.message);
      throw error;
    }
  });
  app.get('/api/choreographies/:name/instances/:id', reading, (req, res) => {
    res.json(shown.get(named(req), param(req, 'id')));
  });
}

import { z } from 'zod';
import { PermanentError } from '../../src/index.js';

/** Demo knobs every example saga accepts, to watch it fail and undo. */
export const faultKnobs = {
  /** The steps or compensations (e.g. `createShipment,refundPayment`) that should fail, comma-separated. */
  failAt: z.string().optional(),
  /** How many attempts fail before one succeeds; every attempt fails when not given. */
  failTimes: z.number().int().min(0).optional(),
};

export interface FaultInput {
  readonly failAt?: string | undefined;
  readonly failTimes?: number | undefined;
}

/** Throws when the input asks `name` to fail on this attempt. */
export function injectFault(input: FaultInput, name: string, attempt: number): void {
  if (input.failAt === undefined || !input.failAt.split(',').includes(name)) return;
  if (input.failTimes === undefined) throw new PermanentError(`${name} failed (failAt=${name})`);
  if (attempt <= input.failTimes)
    throw new Error(`${name} failed on attempt ${attempt} (failTimes=${input.failTimes})`);
}

import { z } from 'zod';
import { defineSaga, remote, step } from '../../src/index.js';

/** The subjects of the crash test's participant under a test's own prefix. */
export function subjectsOf(prefix: string) {
  return {
    reserve: `${prefix}.stock.reserve`,
    release: `${prefix}.stock.release`,
    charge: `${prefix}.pay.charge`,
    refund: `${prefix}.pay.refund`,
  };
}

/**
 * Two remote steps; `decline` sagas are refused at the charge and compensate the
 * reservation. Long timeouts with retries: kills stall replies, and a timeout
 * (an unknown outcome) would compensate a saga that should complete.
 */
export function remoteCrashSaga(prefix: string) {
  const subjects = subjectsOf(prefix);
  const patience = { timeoutMs: 20_000, retry: { maxAttempts: 10, initialDelayMs: 50 } };
  return defineSaga({
    name: 'remote-crash',
    version: 1,
    input: z.object({ n: z.number(), decline: z.boolean() }),
    steps: [
      step('reserve', { run: remote(subjects.reserve), compensate: remote(subjects.release), ...patience }),
      step('charge', { run: remote(subjects.charge), compensate: remote(subjects.refund), ...patience }),
    ],
  });
}

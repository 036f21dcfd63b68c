import { z } from 'zod';
import { defineSaga, remote, step } from '../../src/index.js';

const noop = () => ({ ok: true });
const input = z.object({ n: z.number() });

/** Two no-op steps in the engine's process: the baseline. */
export const twoLocalSteps = defineSaga({
  name: 'bench-two-local',
  version: 1,
  input,
  steps: [step('one', { run: noop, compensate: noop }), step('two', { run: noop, compensate: noop })],
});

export const remoteSubjects = (prefix: string): string[] => [`${prefix}.one`, `${prefix}.two`, `${prefix}.undo`];

/** The same two steps done by a participant in another process over NATS JetStream. */
export function twoRemoteSteps(prefix: string) {
  const [one = '', two = '', undo = ''] = remoteSubjects(prefix);
  return defineSaga({
    name: 'bench-two-remote',
    version: 1,
    input,
    steps: [
      step('one', { run: remote(one), compensate: remote(undo), timeoutMs: 60_000 }),
      step('two', { run: remote(two), compensate: remote(undo), timeoutMs: 60_000 }),
    ],
  });
}

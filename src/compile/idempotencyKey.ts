/** `${executionId}:${step}` for a step, `...:compensate` for its compensation (DESIGN §2). @internal */
export function idempotencyKeyFor(executionId: string, step: string, kind: 'run' | 'compensate'): string {
  return kind === 'run' ? `${executionId}:${step}` : `${executionId}:${step}:compensate`;
}

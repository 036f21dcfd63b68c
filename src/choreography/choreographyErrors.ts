import { SagaError } from '../definition/errors.js';

/**
 * No choreography of that name is loaded here.
 *
 * @example
 * board.definitionNamed('orders'); // throws UnknownChoreographyError naming the known ones
 */
export class UnknownChoreographyError extends SagaError {
  override readonly code = 'UNKNOWN_CHOREOGRAPHY';
  override name = 'UnknownChoreographyError';
  readonly choreography: string;

  constructor(choreography: string, known: readonly string[]) {
    super(
      `No choreography "${choreography}"${known.length === 0 ? ' (none is loaded)' : ` (known: ${known.join(', ')})`}`,
    );
    this.choreography = choreography;
  }
}

/** The monitor has seen no event of that correlation id (yet). */
export class ChoreographyInstanceNotFoundError extends SagaError {
  override readonly code = 'INSTANCE_NOT_FOUND';
  override name = 'ChoreographyInstanceNotFoundError';
  readonly choreography: string;
  readonly correlationId: string;

  constructor(choreography: string, correlationId: string) {
    super(`No instance "${correlationId}" of choreography "${choreography}" has been seen`);
    this.choreography = choreography;
    this.correlationId = correlationId;
  }
}

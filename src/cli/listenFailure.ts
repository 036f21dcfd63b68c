import { CliError } from './CliError.js';

/**
 * Why a server could not listen, as one line a user can act on, instead of
 * Node's stack trace; errors that are not about the address pass through.
 * `otherPort` says how to pick another port where this server was started
 * (`--port N` for `sagachart serve`).
 *
 * @example
 * await startServer({ engine, port }).catch((error: unknown) => {
 *   throw listenFailure(error, '127.0.0.1', port, '--port N');
 * });
 */
export function listenFailure(error: unknown, host: string, port: number, otherPort: string): unknown {
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  const where = `${host.includes(':') ? `[${host}]` : host}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return new CliError(
        `cannot listen on ${where}: the port is in use (another sagachart serve, npm start or demo?); stop it, or pick another port with ${otherPort}`,
      );
    case 'EACCES':
      return new CliError(`cannot listen on ${where}: permission denied; pick another port with ${otherPort}`);
    case 'EADDRNOTAVAIL':
      return new CliError(`cannot listen on ${where}: ${host} is not an address of this machine (--host)`);
    default:
      return error;
  }
}

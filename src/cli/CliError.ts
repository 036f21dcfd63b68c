/** A failure the CLI reports in one line, with the exit code it implies. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode = 1,
    readonly showUsage = false,
  ) {
    super(message);
  }
}

#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { SagaError } from '../definition/errors.js';
import { CliError } from './CliError.js';
import {
  COMMON_HELP,
  COMMON_OPTIONS,
  DEFINITION_COMMANDS,
  DEFINITION_HELP,
  DEFINITION_OPTIONS,
  type Command,
  type CommandIO,
} from './Command.js';
import { cancel } from './commands/cancel.js';
import { choreographies } from './commands/choreographies.js';
import { demo } from './commands/demo.js';
import { engines } from './commands/engines.js';
import { exportChart } from './commands/export.js';
import { ls } from './commands/ls.js';
import { paths } from './commands/paths.js';
import { retry } from './commands/retry.js';
import { run } from './commands/run.js';
import { send } from './commands/send.js';
import { serve } from './commands/serve.js';
import { show } from './commands/show.js';
import { test } from './commands/test.js';

const COMMANDS: readonly Command[] = [
  serve,
  run,
  ls,
  show,
  send,
  cancel,
  retry,
  engines,
  choreographies,
  exportChart,
  paths,
  test,
  demo,
];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: sagachart <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run "sagachart <command> --help" for a command\'s options.',
  ].join('\n');
}

/** Runs the CLI with `argv` (without node and the script); returns the exit code. */
export async function main(argv: string[], io: CommandIO): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    io.out(usage());
    return name === undefined ? 1 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    io.err(`Unknown command "${name}".\n\n${usage()}`);
    return 1;
  }
  const definitionsOnly = DEFINITION_COMMANDS.includes(command.name);
  const base = command.baseOptions ?? {
    options: definitionsOnly ? DEFINITION_OPTIONS : COMMON_OPTIONS,
    help: definitionsOnly ? DEFINITION_HELP : COMMON_HELP,
  };
  const help = `Usage: ${command.usage}\n\n${base.help}`;
  try {
    const defaults = command.optionalValues ?? {};
    const args = rest.map((arg) => {
      const name = arg.startsWith('--') ? arg.slice(2) : undefined;
      return name !== undefined && defaults[name] !== undefined ? `--${name}=${defaults[name]}` : arg;
    });
    const { values, positionals } = parseArgs({
      args,
      options: { ...base.options, ...command.options },
      allowPositionals: true,
      strict: true,
    });
    if (values['help'] === true) {
      io.out(help);
      return 0;
    }
    return await command.run(positionals, values, io);
  } catch (error) {
    if (error instanceof CliError) {
      io.err(`sagachart ${name}: ${error.message}`);
      if (error.showUsage) io.err(`\n${help}`);
      return error.exitCode;
    }
    if (error instanceof SagaError) {
      io.err(`sagachart ${name}: ${error.code}: ${error.message}`);
      return 1;
    }
    if ((error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS') === true) {
      io.err(`sagachart ${name}: ${(error as Error).message}\n\n${help}`);
      return 1;
    }
    throw error;
  }
}

const io: CommandIO = { out: (line) => console.log(line), err: (line) => console.error(line) };
main(process.argv.slice(2), io).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);

import { spawn, spawnSync } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { postgresStore } from '../src/postgres.js';
import { sqliteStore } from '../src/sqlite.js';
import { freshSchema, POSTGRES_URL, postgresAvailable } from './fixtures/postgres.js';
import { serveProcess } from './fixtures/serveProcess.js';

const root = join(import.meta.dirname, '..');
const BIN = join(root, 'dist', 'src', 'cli', 'main.js');
const MACHINES = join(root, 'test', 'fixtures', 'cli-machines');
const TS_MACHINES = join(root, 'test', 'fixtures', 'cli-ts-machines');

// paths and test read definitions only: they take no --db.
const where = (args: string[], db: string) =>
  args.includes('--url')
    ? []
    : [
        ...(['paths', 'test'].includes(args[0] ?? '') ? [] : ['--db', db]),
        ...(args.includes('--machines') ? [] : ['--machines', MACHINES]),
      ];

function cli(args: string[], db = join(mkdtempSync(join(tmpdir(), 'sagachart-cli-')), 'cli.db')) {
  const result = spawnSync(process.execPath, [BIN, ...args, ...where(args, db)], {
    encoding: 'utf8',
    timeout: 90_000,
    cwd: root,
  });
  return { code: result.status, out: result.stdout, err: result.stderr, db };
}

const postgresUp = await postgresAvailable();

/** The words a POSIX shell makes of a printed command line: what a user who pastes it runs. */
function shellWords(line: string): string[] {
  const words = spawnSync('sh', ['-c', 'eval "set -- $1"; printf "%s\\0" "$@"', 'sh', line], { encoding: 'utf8' });
  return words.stdout.split('\0').slice(0, -1);
}

describe('the sagachart binary', () => {
  it.each([
    ['complete', 0, 'Completed'],
    ['compensate', 2, 'Compensated'],
    ['fail', 3, 'Failed'],
  ])('should run to %s with exit code %i', (outcome, code, status) => {
    const result = cli(['run', 'quick', '--input', JSON.stringify({ outcome })]);
    expect(result.code, result.err).toBe(code);
    expect(result.out).toContain(`${status}: `);
    expect(result.out).toMatch(/StepStarted\s+reserve #1/);
    if (status === 'Failed') {
      expect(result.out).toContain(
        'Now: waits for a person: notify gave up after 2 attempt(s) (Error: mail server down)',
      );
      expect(result.out).toContain(`fix the cause, then: sagachart retry`);
    }
    if (status === 'Compensated') expect(result.out).toMatch(/StepCompensated\s+reserve #1/);
  });

  it('should list, show and retry what it ran, against the same SQLite file', () => {
    const first = cli(['run', 'quick', '--input', '{"outcome":"fail"}', '--id', 'q-1']);
    expect(first.code).toBe(3);
    const ls = cli(['ls', '--status', 'Failed', '--since', '5'], first.db);
    expect(ls.out).toMatch(/q-1\s+quick\s+Failed\s+waits for a person: notify gave up/);
    const show = cli(['show', 'q-1'], first.db);
    expect(show.out).toContain('Now: waits for a person: notify gave up after 2 attempt(s) (Error: mail server down)');
    // The hint talks to the same file.
    expect(show.out).toContain(`sagachart retry q-1 --db ${first.db}`);
    expect(show.out).toMatch(/StepFailed\s+notify #2 \(\d+ms\)\s+Error: mail server down/);
    const json = JSON.parse(cli(['show', 'q-1', '--json'], first.db).out) as { status: string; journal: unknown[] };
    expect(json.status).toBe('Failed');
    expect(json.journal.length).toBeGreaterThan(5);
    // Still broken: the retry ends Failed again, and says so with its exit code.
    const retried = cli(['retry', 'q-1'], first.db);
    expect(retried.code).toBe(3);
    expect(retried.out).toContain('q-1: Failed');
    expect(cli(['retry', 'q-1', '--wait'], first.db).code).toBe(3);
  }, 90_000);

  it('should list a Compensated execution by what failed, not by the step it undid last', () => {
    const run = cli(['run', 'quick', '--input', '{"outcome":"compensate"}', '--id', 'c-1']);
    expect(run.code).toBe(2);
    const ls = cli(['ls'], run.db);
    expect(ls.out).toMatch(/c-1\s+quick\s+Compensated\s+undone after charge failed\s/);
  });

  it('should say where the database is, relative to the working directory', () => {
    const result = cli(['ls']);
    expect(result.err).toContain(`database: ${result.db}`);
    expect(result.err).toContain('sagas: quick v1');
  });

  it('should keep --db, --since and the filters in the next-page hint', () => {
    const first = cli(['run', 'quick', '--input', '{"outcome":"complete"}', '--id', 'p-1']);
    cli(['run', 'quick', '--input', '{"outcome":"complete"}', '--id', 'p-2'], first.db);
    const ls = cli(['ls', '--limit', '1', '--since', '5', '--status', 'Completed'], first.db);
    const hint = /more: (.*)/.exec(ls.out)?.[1] ?? '';
    expect(hint).toContain(`--db ${first.db}`);
    expect(hint).toContain('--since 5');
    expect(hint).toContain('--status Completed');
    const next = cli(shellWords(hint).slice(1), first.db);
    expect(next.out).toMatch(/p-1\s+quick\s+Completed/);
  });

  it('should list by id prefix and by a field of the input', () => {
    const first = cli(['run', 'quick', '--input', '{"outcome":"complete"}', '--id', 'f-ok']);
    cli(['run', 'quick', '--input', '{"outcome":"compensate"}', '--id', 'f-no'], first.db);
    cli(['run', 'quick', '--input', '{"outcome":"complete"}', '--id', 'g-ok'], first.db);
    const ids = (out: string) => [...out.matchAll(/^([fg]-\w+)\s/gm)].map((m) => m[1]).sort();
    expect(ids(cli(['ls', '--id', 'f-'], first.db).out)).toEqual(['f-no', 'f-ok']);
    expect(ids(cli(['ls', '--input', 'outcome=complete'], first.db).out)).toEqual(['f-ok', 'g-ok']);
    expect(ids(cli(['ls', '--id', 'f-', '--input', 'outcome=complete'], first.db).out)).toEqual(['f-ok']);
    expect(cli(['ls', '--input', 'outcome'], first.db).err).toContain('--input must be FIELD=VALUE');
    // Settled executions are never stuck.
    expect(ids(cli(['ls', '--stuck'], first.db).out)).toEqual([]);
    // A dozen CLI processes: on a loaded machine that takes longer than one test usually may.
  }, 90_000);

  it('should list by id prefix and by a field of the input over --url', async () => {
    const { server, url } = await serveProcess([]);
    try {
      cli(['run', 'quick', '--input', '{"outcome":"complete"}', '--id', 'f-url', '--url', url]);
      cli(['run', 'quick', '--input', '{"outcome":"compensate"}', '--id', 'f-no', '--url', url]);
      const remote = cli(['ls', '--id', 'f-', '--input', 'outcome=complete', '--url', url]);
      expect([...remote.out.matchAll(/^(f-\w+)\s/gm)].map((m) => m[1])).toEqual(['f-url']);
    } finally {
      server.kill('SIGTERM');
    }
  }, 60_000);

  it('should heal a demo execution with a switch file beside the database, its help naming only --db', () => {
    const help = spawnSync(process.execPath, [BIN, 'demo', '--help'], { encoding: 'utf8' });
    expect(help.stdout).toContain('--db FILE');
    expect(help.stdout).not.toContain('--url');
    const db = join(mkdtempSync(join(tmpdir(), 'sagachart-cli-')), 'demo.db');
    const healed = spawnSync(process.execPath, [BIN, 'demo', 'heal', 'loan-9', '--db', db], { encoding: 'utf8' });
    expect(healed.status).toBe(0);
    expect(healed.stdout).toContain(
      `healed every fault of loan-9 (switches: ${join(dirname(db), 'demo-faults.json')})`,
    );
    expect(JSON.parse(readFileSync(join(dirname(db), 'demo-faults.json'), 'utf8'))).toEqual({
      healed: { 'loan-9': ['*'] },
    });
  });

  it('should load TypeScript sagas, say which event a run waits for, and send it with --wait', () => {
    const run = cli(['run', 'approval', '--input', '{"amount":5}', '--id', 'a-1', '--machines', TS_MACHINES]);
    expect(run.err).toContain('sagas: approval v1');
    expect(run.code, run.err).toBe(4);
    expect(run.out).toContain('Now: waits for event "manager.decided" (step decide)');
    const hint = shellWords(/send it: (.*)/.exec(run.out)?.[1] ?? '');
    expect(hint.slice(0, 4)).toEqual(['sagachart', 'send', 'a-1', 'manager.decided']);
    const template = hint[hint.indexOf('--data') + 1];
    expect(JSON.parse(template ?? 'null')).toEqual({ approved: true, by: 'text' });
    const ls = cli(['ls', '--machines', TS_MACHINES], run.db);
    expect(ls.out).toMatch(/a-1\s+approval\s+Running\s+waits for event "manager.decided"/);
    const sent = cli(
      ['send', 'a-1', 'manager.decided', '--data', template ?? '', '--wait', '--machines', TS_MACHINES],
      run.db,
    );
    expect(sent.code, sent.err).toBe(0);
    expect(sent.out).toContain('a-1: Completed');
  });

  it('should name a missing @file instead of printing a stack trace', () => {
    const result = cli(['run', 'quick', '--input', '@no-such-input.json']);
    expect(result.code).toBe(1);
    expect(result.err).toContain(
      `--input @no-such-input.json: cannot read ${join(root, 'no-such-input.json')} (no such file)`,
    );
    expect(result.err).not.toMatch(/\n\s+at /);
  });

  it('should list only the options that apply in paths and test --help, and refuse --db there', () => {
    for (const name of ['paths', 'test']) {
      const help = cli([name, '--help']);
      expect(help.out).toContain('--machines DIR');
      expect(help.out).not.toMatch(/--db|--url|--token/);
    }
    const refused = spawnSync(process.execPath, [BIN, 'paths', 'quick', '--db', 'x.db'], {
      encoding: 'utf8',
      timeout: 90_000,
    });
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain("Unknown option '--db'");
  });

  it('should export the chart as code for Stately Studio', () => {
    const code = cli(['export', 'quick', '--format', 'stately']).out;
    expect(code).toContain("import { createMachine } from 'xstate';");
    const config = JSON.parse(
      code.slice(code.indexOf('createMachine(') + 'createMachine('.length, code.lastIndexOf(');')),
    ) as {
      id: string;
      states: Record<string, unknown>;
    };
    expect(config.id).toBe('quick');
    expect(Object.keys(config.states)).toEqual(['Running', 'Compensating', 'Completed', 'Compensated', 'Failed']);
  });

  it('should export the chart as JSON and as Mermaid', () => {
    const json = JSON.parse(cli(['export', 'quick']).out) as { states: Record<string, unknown> };
    expect(Object.keys(json.states)).toEqual(['Running', 'Compensating', 'Completed', 'Compensated', 'Failed']);
    const mermaid = cli(['export', 'quick', '--format', 'mermaid']).out;
    expect(mermaid.startsWith('stateDiagram-v2\n')).toBe(true);
    expect(mermaid).toContain('quick_Running_charge_run --> quick_Compensating : error');
  });

  it.each([
    [[], 'Usage: sagachart <command>'],
    [['bogus'], 'Unknown command "bogus"'],
    [['run'], 'run needs a saga name'],
    [['run', 'quick', '--input', '{oops'], '--input is not valid JSON'],
    [['run', 'quick', '--nope'], "Unknown option '--nope'"],
    [['ls', '--status', 'Sleeping'], '--status must be one of'],
    [['ls', '--since', 'yesterday'], '--since must be a whole number of minutes'],
    [['export', 'quick', '--format', 'png'], '--format must be one of json, mermaid, stately'],
    [['serve', '--commit-window', '500'], '--commit-window must be a number of ms from 0 to 100'],
    [['run', 'nope'], 'UNKNOWN_SAGA'],
    [['show', 'missing'], 'EXECUTION_NOT_FOUND'],
  ])('should print why and exit non-zero for %j', (args, message) => {
    const result = cli(args);
    expect(result.code).not.toBe(0);
    expect(`${result.out}${result.err}`).toContain(message);
  });

  it('should list the paths through a saga and run them all', () => {
    const listed = cli(['paths', 'quick']);
    expect(listed.code).toBe(0);
    expect(listed.out).toMatch(/^\d+ paths through quick v1/);
    expect(listed.out).toContain('charge fails -> undo reserve -> Compensated');
    const tested = cli(['test', 'quick', '--input', '{"outcome":"complete"}']);
    expect(tested.code, tested.err).toBe(0);
    expect(tested.out).toMatch(/(\d+)\/\1 paths keep the invariants/);
  });

  it('should print every command in --help', () => {
    const result = cli(['--help']);
    expect(result.code).toBe(0);
    for (const name of ['serve', 'run', 'ls', 'show', 'send', 'cancel', 'retry', 'export', 'paths', 'test', 'demo']) {
      expect(result.out).toMatch(new RegExp(`^  ${name} `, 'm'));
    }
    // Each of export's three formats is named where the commands are listed.
    expect(result.out).toMatch(/^ {2}export .*JSON, a Mermaid diagram or code for Stately Studio$/m);
  });

  it('should serve the API and run a saga through it with --url, then stop gracefully on SIGTERM', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'sagachart-serve-')), 'serve.db');
    const server = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', db, '--machines', MACHINES], {
      cwd: root,
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      server.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      server.on('exit', () => reject(new Error(output)));
    });
    const result = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const client = spawn(process.execPath, [
        BIN,
        'run',
        'quick',
        '--input',
        '{"outcome":"compensate"}',
        '--url',
        url,
      ]);
      let out = '';
      client.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      client.on('exit', (code) => resolve({ code, out }));
    });
    expect(result.code).toBe(2);
    expect(result.out).toMatch(/StepCompensated\s+reserve #1/);
    const exited = new Promise<number | null>((resolve) => server.on('exit', (code) => resolve(code)));
    server.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(output).toContain('SIGTERM: stopping');
  });

  it('should say in one line that the port is in use, not print a stack trace', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as AddressInfo).port;
    try {
      const result = cli(['serve', '--port', String(port)]);
      expect(result.code).toBe(1);
      expect(result.err.trim()).toBe(
        `sagachart serve: cannot listen on 127.0.0.1:${port}: the port is in use (another sagachart serve, npm start or demo?); stop it, or pick another port with --port N`,
      );
    } finally {
      taken.close();
    }
  });

  it('should go through the server that holds the SQLite file, and say so', async () => {
    const { server, url, db } = await serveProcess([]);
    try {
      const run = cli(['run', 'quick', '--input', '{"outcome":"complete"}', '--id', 'held-1'], db);
      expect(run.err).toContain(`${db} is held by the server at ${url}`);
      expect(run.code, run.err).toBe(0);
      const ls = cli(['ls'], db);
      expect(ls.out).toMatch(/held-1\s+quick\s+Completed/);
      // The server ran it: its API knows the execution.
      const view = (await (await fetch(`${url}/api/executions/held-1`)).json()) as { status: string };
      expect(view.status).toBe('Completed');
      // Scripts: start and wait in one request, the settled execution as JSON, the exit code by outcome.
      const scripted = cli(['run', 'quick', '--input', '{"outcome":"compensate"}', '--json', '--url', url]);
      expect(scripted.code, scripted.err).toBe(2);
      expect(JSON.parse(scripted.out)).toMatchObject({ status: 'Compensated', existing: false });
    } finally {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
  });

  it('should refuse, naming the holder, a file another engine without a server holds', async () => {
    const db = join(mkdtempSync(join(tmpdir(), 'sagachart-cli-held-')), 'held.db');
    const store = sqliteStore(db);
    await store.init();
    try {
      const result = cli(['ls'], db);
      expect(result.code).not.toBe(0);
      expect(result.err).toMatch(
        new RegExp(`held by another engine \\(pid ${process.pid} on .*point --url at its server`),
      );
    } finally {
      await store.close();
    }
  });

  it.runIf(postgresUp)('should serve on PostgreSQL with --db postgres://…?schema=', async () => {
    const schema = freshSchema();
    const db = `${POSTGRES_URL}?schema=${schema}`;
    const server = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--db', db, '--machines', MACHINES], {
      cwd: root,
    });
    let output = '';
    const url = await new Promise<string>((resolve, reject) => {
      server.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
        if (match?.[1] !== undefined) resolve(match[1]);
      });
      server.on('exit', () => reject(new Error(output)));
    });
    try {
      expect(output).toContain(`(db ${db}`);
      const run = spawnSync(
        process.execPath,
        [BIN, 'run', 'quick', '--input', '{"outcome":"complete"}', '--url', url],
        // Bounded: once this client hung for 14 minutes under load, blocking the whole test file.
        { encoding: 'utf8', timeout: 60_000 },
      );
      expect(run.status, `${run.stderr}\n${output}`).toBe(0);
    } finally {
      const exited = new Promise((resolve) => server.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    // The executions are in PostgreSQL, in that schema.
    const store = postgresStore(POSTGRES_URL, { schema, readOnly: true });
    await store.init();
    expect((await store.list()).items.map((e) => e.status)).toEqual(['Completed']);
    await store.close();
  });
});

import { createServer, request, type Server } from 'node:http';
import { gzipSync } from 'node:zlib';
import { z } from 'zod';
import { afterEach, describe, expect, it } from 'vitest';
import { defineSaga, memoryStore, SagaEngine, step } from '../../src/index.js';
import { bearerRefusal } from '../../src/server/bearerAuth.js';
import { directRoutes } from '../../src/server/directRoutes.js';
import { loopbackHostRefusal } from '../../src/server/loopbackHost.js';
import { rawRequest, serve, type RawAnswer } from '../fixtures/http.js';

const quick = defineSaga({
  name: 'quick',
  version: 1,
  input: z.object({ n: z.number() }),
  steps: [step('a', { run: () => 'a', compensate: () => undefined })],
});

const JSON_TYPE = { 'content-type': 'application/json' };
const startBody = (n: number) => JSON.stringify({ saga: 'quick', input: { n } });

/** What an answer says, without what differs from run to run (ids, times). */
function gist(answer: RawAnswer): unknown {
  const { body } = answer;
  if (typeof body !== 'object' || body === null) return { status: answer.status, body };
  if ('error' in body) return { status: answer.status, error: body.error };
  return { status: answer.status, state: body.state, status_: body.status, results: body.results };
}

describe('the direct routes (start and read without the express app)', () => {
  const servers: Server[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => new Promise((resolve) => s.close(resolve))));
  });

  /** The direct routes alone over a real engine: what they do not take is answered 599. */
  async function directOnly(options: { token?: string; authAll?: boolean } = {}) {
    const engine = new SagaEngine({ store: memoryStore(), sagas: [quick] });
    await engine.start();
    const token = options.token === undefined ? undefined : bearerRefusal(options.token);
    const direct = directRoutes({
      engine,
      maxWaitMs: 5_000,
      present: (view) => view,
      bodyLimitBytes: 1_000,
      host: loopbackHostRefusal('127.0.0.1'),
      writing: token,
      reading: options.authAll === true ? token : undefined,
      varyOrigin: false,
    });
    const server = createServer((req, res) => {
      if (direct(req, res)) return;
      res.writeHead(599);
      res.end('not taken');
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;
    return { engine, url: `http://127.0.0.1:${port}`, stop: () => engine.stop() };
  }

  it('should take plain starts and reads, and leave every other request to the app', async () => {
    const { url, stop } = await directOnly();
    try {
      const started = await rawRequest(url, 'POST', '/api/executions?wait=5000', JSON_TYPE, startBody(1));
      expect(started.status).toBe(200);
      expect(started.body).toMatchObject({ status: 'Completed', results: { a: 'a' }, existing: false });
      const read = await rawRequest(url, 'GET', `/api/executions/${started.body.id}`, {});
      expect(read.body).toMatchObject({ id: started.body.id, status: 'Completed' });
      expect((await rawRequest(url, 'POST', '/api/executions', JSON_TYPE, startBody(2))).status).toBe(201);
      const utf8 = { 'content-type': 'application/json; charset=UTF-8' };
      expect((await rawRequest(url, 'POST', '/api/executions', utf8, startBody(3))).status).toBe(201);

      const notTaken: [string, string, Record<string, string>, (Buffer | string)?][] = [
        ['POST', '/api/executions', { ...JSON_TYPE, origin: url }, startBody(4)],
        ['POST', '/api/executions', { 'content-type': 'text/plain' }, startBody(4)],
        ['POST', '/api/executions', { 'content-type': 'application/json; charset=latin1' }, startBody(4)],
        ['POST', '/api/executions', { ...JSON_TYPE, 'content-encoding': 'gzip' }, gzipSync(startBody(4))],
        ['POST', '/api/executions', { ...JSON_TYPE, 'transfer-encoding': 'chunked' }, startBody(4)],
        [
          'POST',
          '/api/executions',
          JSON_TYPE,
          JSON.stringify({ saga: 'quick', input: { n: 4, pad: 'x'.repeat(1_000) } }),
        ],
        ['POST', '/api/executions?wait=1&wait=2', JSON_TYPE, startBody(4)],
        ['POST', '/api/executions?other=1', JSON_TYPE, startBody(4)],
        ['POST', '/api/executions/', JSON_TYPE, startBody(4)],
        ['GET', '/api/executions/a%2Fb', {}],
        ['GET', '/api/executions', {}],
        ['HEAD', `/api/executions/${started.body.id}`, {}],
        ['GET', `/api/executions/${started.body.id}/journal`, {}],
      ];
      for (const [method, path, headers, body] of notTaken) {
        expect({ method, path, headers, status: (await rawRequest(url, method, path, headers, body)).status }).toEqual({
          method,
          path,
          headers,
          status: 599,
        });
      }
    } finally {
      await stop();
    }
  });

  it('should refuse what the app refuses, in the same order: Host, body, token', async () => {
    const { url, stop } = await directOnly({ token: 'secret', authAll: true });
    try {
      const auth = { ...JSON_TYPE, authorization: 'Bearer secret' };
      const otherHost = await rawRequest(
        url,
        'POST',
        '/api/executions',
        { ...auth, host: 'evil.example' },
        startBody(1),
      );
      expect(otherHost.body.error.code).toBe('FORBIDDEN_HOST');
      // A body that is not JSON is reported before a missing token, as the app does.
      expect((await rawRequest(url, 'POST', '/api/executions', JSON_TYPE, '{not json')).body.error.code).toBe(
        'INVALID_JSON',
      );
      expect((await rawRequest(url, 'POST', '/api/executions', JSON_TYPE, startBody(1))).status).toBe(401);
      expect((await rawRequest(url, 'GET', '/api/executions/x', {})).status).toBe(401);
      expect((await rawRequest(url, 'POST', '/api/executions', auth, startBody(1))).status).toBe(201);
      expect((await rawRequest(url, 'GET', '/api/executions/nope', { authorization: 'bearer secret' })).status).toBe(
        404,
      );
    } finally {
      await stop();
    }
  });

  it('should answer each request the same way whether it takes the direct route or the app', async () => {
    const { url, engine } = await serve([quick], { maxWaitMs: 5_000 });
    // An Origin header naming the server itself passes the app's origin policy and keeps the
    // request off the direct routes; without it, the same request takes them.
    const viaApp = { origin: url };
    const cases: [string, string, Record<string, string>, (string | Buffer)?][] = [
      ['POST', '/api/executions?wait=5000', JSON_TYPE, startBody(1)],
      ['POST', '/api/executions?wait=0', JSON_TYPE, startBody(1)],
      ['POST', '/api/executions?wait=99999', JSON_TYPE, startBody(1)],
      ['POST', '/api/executions', JSON_TYPE, '{not json'],
      ['POST', '/api/executions', JSON_TYPE, '"just a string"'],
      ['POST', '/api/executions', JSON_TYPE, '[1, 2]'],
      ['POST', '/api/executions', JSON_TYPE, ''],
      ['POST', '/api/executions', JSON_TYPE, '  \n '],
      ['POST', '/api/executions', JSON_TYPE, '\u00a0{}'],
      ['POST', '/api/executions', JSON_TYPE, '\ufeff{"saga":"quick","input":{"n":1}}'],
      ['POST', '/api/executions', JSON_TYPE, '\ufeff'],
      ['POST', '/api/executions', JSON_TYPE, 'null'],
      ['POST', '/api/executions', JSON_TYPE, '1'],
      ['POST', '/api/executions', JSON_TYPE, '{"saga":"quick","input":{"n":1},"__proto__":{"x":1}}'],
      ['POST', '/api/executions', JSON_TYPE, Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])],
      ['POST', '/api/executions', { 'content-type': 'APPLICATION/JSON;charset="utf-8"' }, startBody(2)],
      ['POST', '/api/executions', { 'content-type': 'application/json;charset=utf-8' }, startBody(2)],
      ['POST', '/api/executions', JSON_TYPE, JSON.stringify({ saga: 'nope', input: {} })],
      ['POST', '/api/executions', JSON_TYPE, JSON.stringify({ saga: 'quick', input: { n: 'x' } })],
      ['POST', '/api/executions', JSON_TYPE, JSON.stringify({ saga: 'quick', input: { n: 1 }, extra: true })],
      ['POST', '/api/executions', { ...JSON_TYPE, host: 'evil.example' }, startBody(1)],
      ['GET', '/api/executions/missing', {}],
      ['GET', '/api/executions/missing?wait=10', {}],
      ['GET', '/api/executions/missing?wait=abc', {}],
    ];
    for (const [method, path, headers, body] of cases) {
      const direct = gist(await rawRequest(url, method, path, headers, body));
      const app = gist(await rawRequest(url, method, path, { ...headers, ...viaApp }, body));
      expect({ method, path, body, answer: direct }).toEqual({ method, path, body, answer: app });
    }
    // The same execution read both ways, with and without a wait.
    const { id } = await engine.execute(quick, { n: 7 });
    await engine.waitFor(id);
    for (const path of [`/api/executions/${id}`, `/api/executions/${id}?wait=1000`]) {
      const direct = await rawRequest(url, 'GET', path, {});
      const app = await rawRequest(url, 'GET', path, viaApp);
      expect(direct.body).toEqual(app.body);
      expect(direct.status).toBe(200);
    }
  });

  it('should say what is wrong with a body that is not JSON, and where, on either route', async () => {
    const { url } = await serve([quick]);
    const bodies: [string, string][] = [
      ['{not json', "expected property name or '}' at line 1, column 2"],
      ['{"saga":', 'it ends too early'],
      ['"quick"', 'it must be an object or an array, and starts with "\\"" at line 1, column 1'],
      ['{\n  "saga": "quick",\n  "input": { "n": 1 },\n}', 'expected double-quoted property name at line 4, column 1'],
      [' \n ', 'it holds nothing but whitespace'],
    ];
    for (const [body, problem] of bodies) {
      for (const headers of [JSON_TYPE, { ...JSON_TYPE, origin: url }]) {
        const answer = await rawRequest(url, 'POST', '/api/executions', headers, body);
        expect({ body, status: answer.status, error: answer.body.error }).toEqual({
          body,
          status: 400,
          error: { code: 'INVALID_JSON', message: `The request body is not valid JSON: ${problem}` },
        });
      }
    }
  });

  it('should say that answers vary by Origin when the server allows CORS origins, as the app does', async () => {
    const { url } = await serve([quick], { cors: ['https://app.example.com'] });
    const started = await rawRequest(url, 'POST', '/api/executions?wait=5000', JSON_TYPE, startBody(1));
    const read = await rawRequest(url, 'GET', `/api/executions/${started.body.id}`, {});
    const refused = await rawRequest(url, 'GET', '/api/executions/x', { host: 'evil.example' });
    const viaApp = await rawRequest(url, 'GET', `/api/executions/${started.body.id}`, {
      origin: 'https://app.example.com',
    });
    expect([started, read, refused, viaApp].map((answer) => [answer.status, answer.headers.vary])).toEqual([
      [200, 'Origin'],
      [200, 'Origin'],
      [403, 'Origin'],
      [200, 'Origin'],
    ]);
  });

  it('should start nothing and stay up when a client goes away in the middle of its body', async () => {
    const { url, engine, call } = await serve([quick]);
    const body = startBody(1);
    await new Promise<void>((resolve) => {
      const req = request(`${url}/api/executions?wait=1000`, {
        method: 'POST',
        headers: { ...JSON_TYPE, 'content-length': String(body.length) },
      });
      req.on('error', () => resolve());
      req.write(body.slice(0, 10), () => {
        req.destroy();
        resolve();
      });
    });
    const after = await call('POST', '/api/executions?wait=5000', { saga: 'quick', input: { n: 2 } });
    expect(after.status).toBe(200);
    expect((await engine.list()).items.map((e) => e.id)).toEqual([after.body.id]);
  });
});

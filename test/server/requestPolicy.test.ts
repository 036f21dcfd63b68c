import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { awaitEvent, defineSaga, step } from '../../src/index.js';
import { rawRequest, serve } from '../fixtures/http.js';

const waiting = defineSaga({
  name: 'waiting',
  version: 1,
  input: z.object({}),
  steps: [step('a', { run: () => 'a', compensate: () => undefined }), awaitEvent('go', { event: 'go' })],
});

const start = JSON.stringify({ saga: 'waiting', input: {} });

describe('content type', () => {
  it.each([
    ['text/plain', 'text/plain;charset=UTF-8'],
    ['a form', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
    ['no content type with a body', undefined],
  ])('should refuse %s with 415 and start nothing', async (_, type) => {
    const { url, engine } = await serve([waiting]);
    const headers: Record<string, string> = type === undefined ? {} : { 'content-type': type };
    const response = await rawRequest(url, 'POST', '/api/executions', headers, start);
    expect(response.status).toBe(415);
    expect(response.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    expect(response.body.error.message).toContain('application/json');
    expect((await engine.list()).items).toEqual([]);
  });

  it('should refuse a text/plain cancel with 415 and leave the execution running', async () => {
    const { url, call, engine } = await serve([waiting]);
    const { body } = await call('POST', '/api/executions', { saga: 'waiting', input: {} });
    const response = await rawRequest(
      url,
      'POST',
      `/api/executions/${body.id}/cancel`,
      { 'content-type': 'text/plain' },
      '{}',
    );
    expect(response.status).toBe(415);
    expect((await engine.get(body.id)).status).toBe('Running');
  });

  it('should take application/json with a charset, and a bodyless POST without a type', async () => {
    const { url, engine } = await serve([waiting]);
    const created = await rawRequest(
      url,
      'POST',
      '/api/executions',
      { 'content-type': 'Application/JSON; charset=utf-8' },
      start,
    );
    expect(created.status).toBe(201);
    const cancelled = await rawRequest(url, 'POST', `/api/executions/${created.body.id}/cancel`, {});
    expect(cancelled.status).toBe(200);
    expect((await engine.waitFor(created.body.id)).status).toBe('Compensated');
  });
});

describe('Origin', () => {
  it('should refuse a write from another origin with 403 and start nothing', async () => {
    const { url, engine } = await serve([waiting]);
    const response = await rawRequest(
      url,
      'POST',
      '/api/executions',
      { 'content-type': 'application/json', origin: 'https://evil.example' },
      start,
    );
    expect(response.status).toBe(403);
    expect(response.body.error.code).toBe('FORBIDDEN_ORIGIN');
    expect(response.body.error.message).toContain('--cors https://evil.example');
    expect((await engine.list()).items).toEqual([]);
  });

  it('should refuse reads and streams from another origin too', async () => {
    const { url } = await serve([waiting]);
    for (const path of ['/api/executions', '/api/stream', '/metrics']) {
      const response = await rawRequest(url, 'GET', path, { origin: 'http://127.0.0.1:1' });
      expect(response.status, path).toBe(403);
    }
    expect((await rawRequest(url, 'GET', '/api/sagas', { origin: 'null' })).status).toBe(403);
  });

  it("should take requests from the server's own origin and from none", async () => {
    const { url } = await serve([waiting]);
    const own = await rawRequest(
      url,
      'POST',
      '/api/executions',
      { 'content-type': 'application/json', origin: url },
      start,
    );
    expect(own.status).toBe(201);
    const none = await rawRequest(url, 'POST', '/api/executions', { 'content-type': 'application/json' }, start);
    expect(none.status).toBe(201);
  });

  it('should let the origins given with cors in, with CORS headers and an answered preflight', async () => {
    const app = 'https://app.example';
    const { url } = await serve([waiting], { cors: [app, 'http://localhost:5173'] });
    const preflight = await rawRequest(url, 'OPTIONS', '/api/executions', {
      origin: app,
      'access-control-request-method': 'POST',
      'access-control-request-headers': 'content-type,authorization',
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers['access-control-allow-origin']).toBe(app);
    expect(preflight.headers['access-control-allow-methods']).toContain('POST');
    expect(String(preflight.headers['access-control-allow-headers']).toLowerCase()).toContain('content-type');
    const created = await rawRequest(
      url,
      'POST',
      '/api/executions',
      { 'content-type': 'application/json', origin: app },
      start,
    );
    expect(created.status).toBe(201);
    expect(created.headers['access-control-allow-origin']).toBe(app);
    expect(created.headers['vary']).toContain('Origin');
    const other = await rawRequest(url, 'GET', '/api/sagas', { origin: 'https://other.example' });
    expect(other.status).toBe(403);
  });

  it('should refuse a cors entry that is not an origin, naming it', async () => {
    await expect(serve([waiting], { cors: ['app.example.com'] })).rejects.toThrow(
      /"app\.example\.com" is not an origin/,
    );
    await expect(serve([waiting], { cors: ['https://app.example.com/path'] })).rejects.toThrow(/without a path/);
  });
});

describe('Host on a loopback bind', () => {
  it.each(['127.0.0.1', 'localhost', '[::1]', 'LOCALHOST'])('should answer Host %s with any port', async (name) => {
    const { url } = await serve([waiting]);
    const port = new URL(url).port;
    expect((await rawRequest(url, 'GET', '/api/sagas', { host: `${name}:${port}` })).status).toBe(200);
    expect((await rawRequest(url, 'GET', '/api/sagas', { host: `${name}:8080` })).status).toBe(200);
  });

  it.each(['evil.example', '127.0.0.1.evil.example', 'localhost.evil.example', '10.0.0.7', '[::2]'])(
    'should refuse Host %s with 403 (DNS rebinding), reads and writes alike',
    async (name) => {
      const { url, engine } = await serve([waiting]);
      const host = `${name}:${new URL(url).port}`;
      const read = await rawRequest(url, 'GET', '/api/executions', { host });
      expect(read.status).toBe(403);
      expect(read.body.error.code).toBe('FORBIDDEN_HOST');
      expect(read.body.error.message).toContain(host);
      // A rebound page is same-origin with itself: its Origin matches its Host, and it still gets nowhere.
      const write = await rawRequest(
        url,
        'POST',
        '/api/executions',
        { host, origin: `http://${host}`, 'content-type': 'application/json' },
        start,
      );
      expect(write.status).toBe(403);
      expect((await engine.list()).items).toEqual([]);
    },
  );
});

describe('bearer token', () => {
  it.each(['Bearer', 'bearer', 'BEARER'])('should accept the scheme written %s', async (scheme) => {
    const { url } = await serve([waiting], { token: 's3cret' });
    const response = await rawRequest(
      url,
      'POST',
      '/api/executions',
      { 'content-type': 'application/json', authorization: `${scheme} s3cret` },
      start,
    );
    expect(response.status).toBe(201);
  });

  it('should still refuse a wrong token in lower case', async () => {
    const { url } = await serve([waiting], { token: 's3cret' });
    const response = await rawRequest(
      url,
      'POST',
      '/api/executions',
      { 'content-type': 'application/json', authorization: 'bearer nope' },
      start,
    );
    expect(response.status).toBe(401);
  });
});

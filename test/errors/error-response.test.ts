import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import express from 'express';
import { BadRequestError, InternalServerError, OverloadedError, RateLimitedError, TokenKeysUnavailableError } from '../../src/errors.js';
import { answerClientErrors } from '../../src/http/client-errors.js';
import { errorAnswer, httpMessage, jsonErrors, sendErrors } from '../../src/http/error-response.js';
import { REQUEST_ID_HEADER } from '../../src/telemetry/http-metrics.js';
import { createGatewayLogger } from '../../src/telemetry/logger.js';

/** A raw HTTP/1.1 exchange: writes `request` and reads until the server closes the connection. */
function exchange(port: number, request: string): Promise<{ status: number; headers: Map<string, string>; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString('utf8')));
    socket.on('error', reject);
    socket.on('close', () => {
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = new Map(lines.map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3}) /.exec(statusLine)?.[1] ?? 0), headers, body });
    });
  });
}

describe('errorAnswer: the one body builder', () => {
  it('shows each error through the mask: HTTP hints removed, an internal message hidden', () => {
    const answer = errorAnswer([new BadRequestError('The request body is too large.', 413), new InternalServerError('pool exhausted on db-3')]);
    assert.equal(answer.status, 413, "the first error's HTTP hint");
    assert.deepEqual(JSON.parse(answer.body), {
      errors: [
        { message: 'The request body is too large.', extensions: { code: 'BAD_REQUEST' } },
        { message: 'Something went wrong on our side.', extensions: { code: 'INTERNAL_SERVER_ERROR' } },
      ],
    });
  });

  it('carries Retry-After from the error that says when to retry, in the media type the client accepts', () => {
    const answer = errorAnswer([new RateLimitedError(17)], { status: 429, accept: 'application/graphql-response+json' });
    assert.equal(answer.status, 429);
    assert.deepEqual(answer.headers, { 'Content-Type': 'application/graphql-response+json; charset=utf-8', 'Retry-After': '17' });
    assert.equal(errorAnswer([new RateLimitedError(17)], { accept: 'text/html' }).headers['Content-Type'], 'application/json; charset=utf-8');
  });

  it('as a whole HTTP message: a status line, a Content-Length in bytes, and Connection: close', () => {
    const answer = errorAnswer([new BadRequestError('Überlang — the request headers are too large.', 431)]);
    const message = httpMessage(answer);
    assert.ok(message.startsWith('HTTP/1.1 431 Request Header Fields Too Large\r\n'));
    assert.match(message, new RegExp(`\r\nContent-Length: ${Buffer.byteLength(answer.body)}\r\n`));
    assert.match(message, /\r\nConnection: close\r\n\r\n/);
    assert.ok(message.endsWith(`\r\n\r\n${answer.body}`));
  });
});

describe('every answer the gateway writes itself goes through errorAnswer', () => {
  let server: Server;
  let port: number;
  const logged: Record<string, unknown>[] = [];

  before(async () => {
    const app = express();
    app.get('/shed', (req, res) => sendErrors(req, res, 503, [new OverloadedError('event-loop', 2)]));
    app.get('/parse-refusal', (req, res) => sendErrors(req, res, 400, [new BadRequestError('The request could not be parsed.')]));
    app.post('/graphql', express.json({ limit: 64 }), (_req, res) => void res.json({ data: {} }));
    app.get('/bug', () => {
      throw new Error('connection string postgres://admin:hunter2@db');
    });
    app.get('/keys-down', (_req, _res, next) => next(new TokenKeysUnavailableError(new Error('JWKS fetch failed'))));
    const logger = createGatewayLogger('info', { write: (line: string) => void logged.push(JSON.parse(line) as Record<string, unknown>) });
    app.use(jsonErrors(logger));
    // A small header limit, so Node's parser refuses a request without a large one.
    server = createServer({ maxHeaderSize: 1024 }, app);
    answerClientErrors(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  after(async () => {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  });

  const url = (path: string) => `http://127.0.0.1:${port}${path}`;

  it("a request Node's parser refuses, answered on the bare socket, gets the very body the Express path writes", async () => {
    const onSocket = await exchange(port, 'NOT HTTP AT ALL\r\n\r\n');
    const viaExpress = await fetch(url('/parse-refusal'));
    assert.equal(onSocket.status, 400);
    assert.equal(onSocket.body, await viaExpress.text());
    assert.equal(onSocket.headers.get('content-type'), viaExpress.headers.get('content-type'));
    assert.equal(Number(onSocket.headers.get('content-length')), Buffer.byteLength(onSocket.body));
  });

  it('headers over the limit are 431 BAD_REQUEST, on the socket, with the connection closed', async () => {
    const answer = await exchange(port, `GET /shed HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${'a'.repeat(4096)}\r\n\r\n`);
    assert.equal(answer.status, 431);
    assert.equal(answer.headers.get('connection'), 'close');
    assert.deepEqual(JSON.parse(answer.body), { errors: [{ message: 'The request headers are too large.', extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('a shed request is 503 with Retry-After and its reason, the HTTP hint kept out of the body', async () => {
    const response = await fetch(url('/shed'));
    assert.equal(response.status, 503);
    assert.equal(response.headers.get('retry-after'), '2');
    const body = (await response.json()) as { errors: { extensions: Record<string, unknown> }[] };
    assert.deepEqual(body.errors[0]?.extensions, { code: 'SERVICE_UNAVAILABLE', service: 'gateway', retryAfter: 2, reason: 'event-loop' });
  });

  it('a body that is not JSON is 400 BAD_REQUEST, in the media type the client accepts', async () => {
    const response = await fetch(url('/graphql'), {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: '{nope',
    });
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('content-type'), 'application/graphql-response+json; charset=utf-8');
    assert.deepEqual(await response.json(), { errors: [{ message: 'The request body is not valid JSON.', extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('a body over the limit is 413 BAD_REQUEST', async () => {
    const response = await fetch(url('/graphql'), { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'x'.repeat(200) }) });
    assert.equal(response.status, 413);
    assert.deepEqual(await response.json(), { errors: [{ message: 'The request body is too large.', extensions: { code: 'BAD_REQUEST' } }] });
  });

  it('a bug in a middleware is 500 with the fixed message, logged once with its cause and the request id', async () => {
    logged.length = 0;
    const response = await fetch(url('/bug'), { headers: { [REQUEST_ID_HEADER]: 'req-7' } });
    assert.equal(response.status, 500);
    const text = await response.text();
    assert.doesNotMatch(text, /hunter2/);
    assert.deepEqual(JSON.parse(text), { errors: [{ message: 'Something went wrong on our side.', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    assert.equal(logged.length, 1);
    assert.equal(logged[0]?.requestId, 'req-7');
    assert.match(JSON.stringify(logged[0]?.err), /hunter2/);
  });

  it('a gateway error a middleware passes on keeps its code and HTTP status: keys unavailable is 503 naming auth', async () => {
    logged.length = 0;
    const response = await fetch(url('/keys-down'));
    assert.equal(response.status, 503);
    const body = (await response.json()) as { errors: { extensions: Record<string, unknown> }[] };
    assert.deepEqual(body.errors[0]?.extensions, { code: 'SERVICE_UNAVAILABLE', service: 'auth' });
    assert.deepEqual(logged, [], 'not a bug: nothing to log as internal');
  });
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { SERVICE_NAMES, SERVICES } from '../../platform/addresses.js';
import { loadConfig } from '../../src/config/index.js';
import { startGateway, type Gateway } from '../../src/gateway.js';
import { createGatewayLogger } from '../../src/telemetry/logger.js';
import { errorCodes, graphql } from '../support/graphql.js';
import { startStack, type TestStack } from '../support/stack.js';

/** A raw HTTP/1.1 exchange on one socket: what a proxy in front of the gateway could send. */
function exchange(url: string, raw: string): Promise<string> {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(target.port), target.hostname, () => socket.end(raw));
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('close', () => resolve(text));
    socket.on('error', reject);
  });
}

/** Every line a gateway logs, kept as written. */
class LogLines extends Writable {
  readonly lines: string[] = [];
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.lines.push(...chunk.toString().split('\n').filter(Boolean));
    done();
  }
}

/**
 * What an outside security test found holding; each stays pinned here (others:
 * token forgeries in test/auth/bad-tokens.test.ts, IDOR in test/auth/ownership.test.ts,
 * spoofed forwarding headers in test/redis/replicas.test.ts, cross-viewer cache
 * poisoning in test/redis/profile-cache.test.ts, persisted-query hashes in
 * test/redis/persisted-queries.test.ts and test/demand-control/random-documents.test.ts).
 */
describe('what held against an outside security test, pinned', () => {
  let stack: TestStack;
  let logged: Gateway;
  const logs = new LogLines();

  before(async () => {
    stack = await startStack();
    const addresses = Object.fromEntries(SERVICE_NAMES.map((name) => [SERVICES[name].env, stack.servers[name].address]));
    logged = await startGateway(loadConfig({ NODE_ENV: 'test', PORT: '0', HOST: '127.0.0.1', ...addresses }), {
      processMetrics: false,
      logger: createGatewayLogger('info', logs),
    });
  });
  after(async () => {
    await logged?.stop();
    await stack?.stop();
  });

  it('CSRF: a GET without a preflight header, and a form POST, are refused before anything runs', async () => {
    const calls = stack.totalCalls();
    const get = await fetch(`${stack.url}?query=${encodeURIComponent('{ user(id: "usr_1") { id } }')}`);
    assert.equal(get.status, 400);
    const form = await fetch(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'text/plain' },
      body: JSON.stringify({ query: '{ user(id: "usr_1") { id } }' }),
    });
    assert.equal(form.status, 400);
    assert.equal(stack.totalCalls(), calls);
  });

  it('request smuggling: a request with both Content-Length and Transfer-Encoding is refused, and the smuggled one never runs', async () => {
    const calls = stack.totalCalls();
    const smuggled = 'POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 44\r\n\r\n{"query":"{ user(id: \\"usr_1\\") { id } }"}';
    const answer = await exchange(
      stack.url,
      `POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n${smuggled}`,
    );
    assert.match(answer, /^HTTP\/1\.1 400 /);
    assert.doesNotMatch(answer, /"usr_1"/);
    assert.equal(stack.totalCalls(), calls);
  });

  it('log injection: a forged request id is replaced, and a line break in an operation name stays inside one JSON line', async () => {
    const forged = 'x\n{"level":50,"msg":"forged"}';
    const response = await fetch(logged.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': encodeURIComponent(forged) },
      body: JSON.stringify({ query: 'query Injected { __typename }', operationName: 'Injected' }),
    });
    const requestId = response.headers.get('x-request-id') ?? '';
    assert.match(requestId, /^[0-9a-f-]{36}$/, 'a request id that is not plain is replaced by a new one');
    await response.body?.cancel();
    await fetch(logged.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query A { __typename }', operationName: 'A\n{"msg":"forged"}' }),
    }).then((answer) => answer.body?.cancel());
    // Every line the gateway wrote is one whole JSON object, and none is the forged one.
    for (const line of logs.lines) {
      const record = JSON.parse(line) as { msg?: string };
      assert.notEqual(record.msg, 'forged');
    }
    assert.ok(logs.lines.some((line) => line.includes(`"requestId":"${requestId}"`)));
  });

  it('login: a wrong password and an unknown e-mail answer alike, with one message', async () => {
    const login = 'mutation($email: String!) { login(input: { email: $email, password: "not the password" }) { accessToken } }';
    const wrongPassword = await graphql(stack.url, login, { variables: { email: 'user3@example.com' } });
    const unknown = await graphql(stack.url, login, { variables: { email: `nobody-${createHash('sha256').update('x').digest('hex').slice(0, 8)}@example.com` } });
    assert.deepEqual(errorCodes(wrongPassword), ['UNAUTHENTICATED']);
    assert.deepEqual(errorCodes(unknown), ['UNAUTHENTICATED']);
    assert.equal(wrongPassword.errors?.[0]?.message, unknown.errors?.[0]?.message);
    assert.equal(wrongPassword.status, unknown.status);
  });
});

import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, it } from 'node:test';
import { waitUntil } from '../telemetry/processes.js';
import { graphql } from '../support/graphql.js';
import { startStack, type TestStack } from '../support/stack.js';
import { route, scrape, slowClient } from './support.js';

const BODY = JSON.stringify({ query: '{ user(id: "usr_1") { id } }' });

/** Bounds each test: without the settings, Node would wait 300 s for a slow request. */
const BOUND = { timeout: 20_000 };

describe('HTTP server timeouts against slow clients', () => {
  let stack: TestStack;

  before(async () => {
    stack = await startStack({
      env: { HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_HEADERS_TIMEOUT_MS: '1000', HTTP_KEEP_ALIVE_TIMEOUT_MS: '7000' },
    });
  });
  after(() => stack?.stop());

  it('a body sent a byte at a time is cut with 408 after HTTP_REQUEST_TIMEOUT_MS, while other clients are answered', BOUND, async () => {
    const { host } = new URL(stack.url);
    const head = `POST /graphql HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${BODY.length}\r\n\r\n`;
    // One byte every 200 ms: the whole body would take over 6 s.
    const drip = slowClient(stack.url, head, BODY, 200);
    await drip.sent(2);

    // The slow client holds one connection and one place in flight; nobody else waits for it.
    const other = await graphql(stack.url, '{ user(id: "usr_2") { id } }');
    assert.equal(other.status, 200);
    assert.equal(other.errors, undefined);
    assert.equal((await fetch(route(stack, '/healthz'))).status, 200);

    const answer = await drip.answered;
    assert.equal(answer.status, 408);
    assert.match(answer.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(JSON.parse(answer.body), {
      errors: [{ message: 'The request took too long to arrive.', extensions: { code: 'BAD_REQUEST' } }],
    });
    // Its place in flight is given back once the server's side of the connection closes too.
    await waitUntil('the slow request to leave the in-flight count', async () => (await scrape(stack)).get('gateway_requests_in_flight') === 0);
  });

  it('headers that never finish are cut with 408 after HTTP_HEADERS_TIMEOUT_MS', BOUND, async () => {
    const { host } = new URL(stack.url);
    const drip = slowClient(stack.url, `POST /graphql HTTP/1.1\r\nHost: ${host}\r\n`, 'X-Slow: ' + 'a'.repeat(100), 200);
    const answer = await drip.answered;
    assert.equal(answer.status, 408);
    assert.equal(JSON.parse(answer.body).errors[0].extensions.code, 'BAD_REQUEST');
  });

  it('responses announce HTTP_KEEP_ALIVE_TIMEOUT_MS as the keep-alive timeout', async () => {
    const keepAlive = await new Promise<string | undefined>((resolve, reject) => {
      const req = request(stack.url, { method: 'POST', agent: false, headers: { connection: 'keep-alive', 'content-type': 'application/json' } }, (res) => {
        res.resume();
        res.once('end', () => {
          req.destroy();
          resolve(res.headers['keep-alive'] as string | undefined);
        });
      });
      req.once('error', reject);
      req.end(BODY);
    });
    assert.equal(keepAlive, 'timeout=7');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../src/gateway.js';
import { graphql } from '../support/graphql.js';
import { HOSTILE_REQUESTS, MOST_EXPENSIVE_ALLOWED, slowDrip, slowHeaders, type HostileAnswer } from '../support/hostile-requests.js';
import { startStack, type TestStack } from '../support/stack.js';

/** How much the whole process (services and gateway) may grow over the whole table. */
const RSS_GROWTH_BOUND = 150 * 2 ** 20;

async function healthy(gateway: Gateway): Promise<boolean> {
  const response = await fetch(`${gateway.adminUrl}/healthz`);
  return response.status === 200;
}

function assertAnswer(actual: HostileAnswer, expected: { status: number; code: string | undefined; limit?: string }): void {
  assert.equal(actual.status, expected.status, `status, for ${JSON.stringify(actual)}`);
  assert.equal(actual.code, expected.code, `code, for ${JSON.stringify(actual)}`);
  if (expected.limit !== undefined) assert.equal(actual.limit, expected.limit, `limit, for ${JSON.stringify(actual)}`);
}

describe('hostile requests against the real HTTP gateway, anonymous, with the default limits', () => {
  let stack: TestStack;
  let rssBefore: number;
  before(async () => {
    stack = await startStack();
    // Warm up (JIT, connections), so that growth measures the table, not the start.
    await graphql(stack.url, MOST_EXPENSIVE_ALLOWED);
    rssBefore = process.memoryUsage().rss;
  });
  after(() => stack.stop());

  for (const hostile of HOSTILE_REQUESTS) {
    const what = hostile.refusedBeforeExecution ? `is answered ${hostile.expected.status} ${hostile.expected.code}, sends no RPC` : `runs`;
    it(`${hostile.shape} ${what}, and the gateway stays healthy`, async (t) => {
      const calls = stack.totalCalls();
      const startedAt = performance.now();
      const answer = await hostile.send(stack.url);
      t.diagnostic(`answered in ${(performance.now() - startedAt).toFixed(0)} ms`);
      assertAnswer(answer, hostile.expected);
      if (hostile.refusedBeforeExecution) assert.equal(stack.totalCalls(), calls, 'RPCs sent for a refused request');
      else assert.ok(answer.ran, 'the allowed request ran');
      assert.ok(await healthy(stack.gateway));
    });
  }

  it('a client that keeps sending the most expensive allowed query runs out of cost budget: 429 with Retry-After, no RPC', async () => {
    // 20,000 points a minute for an address: four queries of cost 4,808, and the fifth is refused.
    let refused: Response | undefined;
    for (let i = 0; i < 6 && !refused; i++) {
      const response = await fetch(stack.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': 'ignored' },
        body: JSON.stringify({ query: MOST_EXPENSIVE_ALLOWED }),
      });
      if (response.status === 429) refused = response;
      else await response.body?.cancel();
    }
    assert.ok(refused, 'the budget ran out');
    const calls = stack.totalCalls();
    const again = await fetch(stack.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: MOST_EXPENSIVE_ALLOWED }) });
    assert.equal(again.status, 429);
    assert.ok(Number(again.headers.get('retry-after')) > 0);
    assert.equal(again.headers.get('ratelimit-remaining'), '0');
    assert.equal(((await again.json()) as { errors: { extensions: { code: string } }[] }).errors[0]?.extensions.code, 'RATE_LIMITED');
    assert.equal(stack.totalCalls(), calls);
    // Cheap requests from others are still served.
    const token = await stack.signToken({ sub: 'usr_3', roles: ['user'], scope: 'read write' });
    const other = await graphql<{ user: { id: string } }>(stack.url, '{ user(id: "usr_1") { id } }', { token });
    assert.equal(other.data?.user.id, 'usr_1');
  });

  it('the process grew by less than 150 MB over the whole table', () => {
    const grown = process.memoryUsage().rss - rssBefore;
    assert.ok(grown < RSS_GROWTH_BOUND, `RSS grew by ${Math.round(grown / 2 ** 20)} MB`);
  });

  describe('slow clients', () => {
    let patient: Gateway;
    before(async () => {
      patient = await stack.startGateway({ HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_HEADERS_TIMEOUT_MS: '1000' });
    });

    it('a body dripped a byte at a time is cut with 408 once the request timeout passes, while others are answered', async () => {
      const dripping = slowDrip(patient.url, 100);
      const meanwhile = await graphql<{ user: { id: string } }>(patient.url, '{ user(id: "usr_1") { id } }');
      assert.equal(meanwhile.data?.user.id, 'usr_1');
      assertAnswer(await dripping, { status: 408, code: 'BAD_REQUEST' });
      assert.ok(await healthy(patient));
    });

    it('headers sent a line at a time are cut with 408 once the headers timeout passes', async () => {
      assertAnswer(await slowHeaders(patient.url, 100), { status: 408, code: 'BAD_REQUEST' });
      assert.ok(await healthy(patient));
    });
  });
});

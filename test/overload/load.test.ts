import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../src/gateway.js';
import { graphql } from '../support/graphql.js';
import { startStack, type TestStack } from '../support/stack.js';
import { route, scrape, SettableLoad, startGatewayWithLoad } from './support.js';

const USER = 'query($id: ID!) { user(id: $id) { id username } }';

async function readyz(gateway: Gateway): Promise<{ status: number; body: { ready: boolean; failing: string[] } }> {
  const response = await fetch(route(gateway, '/readyz'));
  return { status: response.status, body: (await response.json()) as { ready: boolean; failing: string[] } };
}

describe('shedding for event loop delay and heap', () => {
  let stack: TestStack;
  let gateway: Gateway;
  const load = new SettableLoad();

  before(async () => {
    stack = await startStack({ env: { PROFILE_CACHE_TTL_SECONDS: '0' } });
    gateway = await startGatewayWithLoad(stack, { SHED_EVENT_LOOP_DELAY_MS: '200', SHED_HEAP_USED_PERCENT: '90', PROFILE_CACHE_TTL_SECONDS: '0' }, load.sample);
  });
  after(async () => {
    await gateway?.stop();
    await stack?.stop();
  });

  it('while the event loop lags past SHED_EVENT_LOOP_DELAY_MS, GraphQL requests get 503 and /readyz fails with load; both recover with the loop', async () => {
    assert.equal((await readyz(gateway)).status, 200);
    load.current = { eventLoopDelayMs: 250, heapUsedPercent: 10 };
    try {
      const calls = stack.totalCalls();
      const shed = await graphql(gateway.url, USER, { variables: { id: 'usr_1' } });
      assert.equal(shed.status, 503);
      assert.equal(shed.headers.get('retry-after'), '2');
      assert.deepEqual(shed.errors?.[0]?.extensions, { code: 'SERVICE_UNAVAILABLE', service: 'gateway', retryAfter: 2, reason: 'event-loop' });
      assert.equal(stack.totalCalls(), calls);

      const unready = await readyz(gateway);
      assert.equal(unready.status, 503);
      assert.deepEqual(unready.body.failing, ['load']);
      // Liveness is another matter: a busy replica must not be restarted.
      assert.equal((await fetch(route(gateway, '/healthz'))).status, 200);
    } finally {
      load.current = { eventLoopDelayMs: 5, heapUsedPercent: 10 };
    }
    const answered = await graphql(gateway.url, USER, { variables: { id: 'usr_1' } });
    assert.equal(answered.status, 200);
    assert.equal(answered.errors, undefined);
    assert.deepEqual(await readyz(gateway), { status: 200, body: { ready: true, failing: [], degraded: [] } });
  });

  it('while the heap is fuller than SHED_HEAP_USED_PERCENT, GraphQL requests get 503 with reason heap and /readyz fails', async () => {
    load.current = { eventLoopDelayMs: 0, heapUsedPercent: 95 };
    try {
      const calls = stack.totalCalls();
      const shed = await graphql(gateway.url, USER, { variables: { id: 'usr_2' } });
      assert.equal(shed.status, 503);
      assert.equal(shed.headers.get('retry-after'), '5');
      assert.deepEqual(shed.errors?.[0]?.extensions, { code: 'SERVICE_UNAVAILABLE', service: 'gateway', retryAfter: 5, reason: 'heap' });
      assert.equal(stack.totalCalls(), calls);
      assert.equal((await readyz(gateway)).status, 503);
    } finally {
      load.current = { eventLoopDelayMs: 0, heapUsedPercent: 10 };
    }
    assert.equal((await graphql(gateway.url, USER, { variables: { id: 'usr_2' } })).status, 200);
  });

  it('CORS preflights are answered even while the replica sheds', async () => {
    load.current = { eventLoopDelayMs: 1_000, heapUsedPercent: 99 };
    try {
      const preflight = await fetch(gateway.url, {
        method: 'OPTIONS',
        headers: { origin: 'https://app.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
      });
      assert.equal(preflight.status, 204);
    } finally {
      load.current = { eventLoopDelayMs: 0, heapUsedPercent: 10 };
    }
  });

  it('/metrics counts shed requests by reason and shows the load the shedder sees', async () => {
    const series = ['gateway_load_shed_total{reason="event-loop"}', 'gateway_load_shed_total{reason="heap"}'];
    const before = await scrape(gateway);
    let during: Map<string, number>;
    try {
      load.current = { eventLoopDelayMs: 300, heapUsedPercent: 40 };
      assert.equal((await graphql(gateway.url, USER, { variables: { id: 'usr_3' } })).status, 503);
      // Under its limit, the delay only shows; the heap sheds.
      load.current = { eventLoopDelayMs: 150, heapUsedPercent: 92.5 };
      assert.equal((await graphql(gateway.url, USER, { variables: { id: 'usr_3' } })).status, 503);
      during = await scrape(gateway);
    } finally {
      load.current = { eventLoopDelayMs: 0, heapUsedPercent: 10 };
    }
    assert.deepEqual(
      series.map((key) => (during.get(key) ?? 0) - (before.get(key) ?? 0)),
      [1, 1],
    );
    assert.equal(during.get('gateway_event_loop_delay_seconds'), 0.15);
    assert.equal(during.get('gateway_heap_used_ratio'), 0.925);
    assert.equal(during.get('gateway_requests_in_flight'), 0);
  });
});

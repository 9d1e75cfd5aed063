import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { waitUntil } from '../telemetry/processes.js';
import { graphql, type GraphQLResponse } from '../support/graphql.js';
import { startStack, type TestStack } from '../support/stack.js';
import { holdCalls, scrape } from './support.js';

/** One BatchGetUsers call per request: a fault on users holds it in flight. */
const USER = 'query($id: ID!) { user(id: $id) { id username } }';

function assertShed(response: GraphQLResponse, reason: string): void {
  assert.equal(response.status, 503);
  assert.equal(response.headers.get('retry-after'), '1');
  assert.equal(response.data, undefined);
  assert.equal(response.errors?.length, 1);
  assert.deepEqual(response.errors?.[0]?.extensions, { code: 'SERVICE_UNAVAILABLE', service: 'gateway', retryAfter: 1, reason });
}

function assertAnswered(response: GraphQLResponse): void {
  assert.equal(response.status, 200);
  assert.equal(response.errors, undefined, JSON.stringify(response.errors));
}

describe('in-flight limits', () => {
  let stack: TestStack;
  const tokens: string[] = [];

  before(async () => {
    stack = await startStack({
      env: {
        MAX_IN_FLIGHT_REQUESTS: '3',
        MAX_IN_FLIGHT_PER_CLIENT: '2',
        // Each request must reach the users service, and wait there as long as the test holds it.
        PROFILE_CACHE_TTL_SECONDS: '0',
        RPC_RETRY_MAX_ATTEMPTS: '0',
        RPC_TIMEOUT_MS: '60000',
        REQUEST_BUDGET_MS: '60000',
      },
    });
    for (const n of [1, 2, 3, 4, 5]) tokens.push(await stack.signToken({ sub: `usr_${n}`, roles: ['user'], scope: 'read write' }));
  });
  after(() => stack?.stop());

  it('with MAX_IN_FLIGHT_REQUESTS held in flight, a client with one in flight is shed, a newcomer takes the reserve, the next is shed; all admitted once they finish', async () => {
    const held = holdCalls();
    stack.setFault('users', held.fault);
    try {
      const inFlight = [0, 1, 2].map((i) => graphql(stack.url, USER, { token: tokens[i], variables: { id: `usr_${10 + i}` } }));
      await held.arrived(3);
      assert.equal((await scrape(stack)).get('gateway_requests_in_flight'), 3);

      const calls = stack.totalCalls();
      // Within its own share of two, but the replica is full and this client already has one in flight.
      assertShed(await graphql(stack.url, USER, { token: tokens[0], variables: { id: 'usr_20' } }), 'in-flight');
      assert.equal(stack.totalCalls(), calls);
      // A client with nothing in flight takes the reserve (one place for a limit of three)...
      inFlight.push(graphql(stack.url, USER, { token: tokens[3], variables: { id: 'usr_21' } }));
      await held.arrived(4);
      // ...and once that is taken too, the replica is full for everyone.
      assertShed(await graphql(stack.url, USER, { token: tokens[4], variables: { id: 'usr_22' } }), 'in-flight');
      assert.equal(stack.totalCalls(), calls + 1);

      held.open();
      for (const response of await Promise.all(inFlight)) assertAnswered(response);
      assertAnswered(await graphql(stack.url, USER, { token: tokens[4], variables: { id: 'usr_22' } }));

      const metrics = await scrape(stack);
      // Exactly 0: each answered request emitted both 'finish' and 'close', and was released once.
      assert.equal(metrics.get('gateway_requests_in_flight'), 0);
      assert.equal(metrics.get('gateway_load_shed_total{reason="in-flight"}'), 2);
    } finally {
      held.open();
      stack.setFault('users', null);
    }
  });

  it('a client with MAX_IN_FLIGHT_PER_CLIENT in flight is shed while another client is still admitted', async () => {
    const before = (await scrape(stack)).get('gateway_load_shed_total{reason="client-in-flight"}') ?? 0;
    const held = holdCalls();
    stack.setFault('users', held.fault);
    try {
      const [flooder, other] = [tokens[0], tokens[1]];
      const flooding = [0, 1].map((i) => graphql(stack.url, USER, { token: flooder, variables: { id: `usr_${30 + i}` } }));
      await held.arrived(2);

      const calls = stack.totalCalls();
      assertShed(await graphql(stack.url, USER, { token: flooder, variables: { id: 'usr_32' } }), 'client-in-flight');
      assert.equal(stack.totalCalls(), calls);

      // Admitted: its call reaches the service and is held with the others.
      const fair = graphql(stack.url, USER, { token: other, variables: { id: 'usr_33' } });
      await held.arrived(3);
      held.open();
      for (const response of await Promise.all([...flooding, fair])) assertAnswered(response);

      const metrics = await scrape(stack);
      assert.equal(metrics.get('gateway_load_shed_total{reason="client-in-flight"}'), before + 1);
      assert.equal(metrics.get('gateway_requests_in_flight'), 0);
    } finally {
      held.open();
      stack.setFault('users', null);
    }
  });

  it('requests without a token share their address: the third anonymous one in flight is shed', async () => {
    const held = holdCalls();
    stack.setFault('users', held.fault);
    try {
      const anonymous = [0, 1].map((i) => graphql(stack.url, USER, { variables: { id: `usr_${40 + i}` } }));
      await held.arrived(2);
      assertShed(await graphql(stack.url, USER, { variables: { id: 'usr_42' } }), 'client-in-flight');
      held.open();
      for (const response of await Promise.all(anonymous)) assertAnswered(response);
    } finally {
      held.open();
      stack.setFault('users', null);
    }
  });

  it('a client that hangs up while its request is held frees its place for the next request', async () => {
    const held = holdCalls();
    stack.setFault('users', held.fault);
    const hangUp = new AbortController();
    try {
      const leaving = fetch(stack.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[0]}` },
        body: JSON.stringify({ query: USER, variables: { id: 'usr_50' } }),
        signal: hangUp.signal,
      });
      const staying = [1, 2].map((i) => graphql(stack.url, USER, { token: tokens[i], variables: { id: `usr_${50 + i}` } }));
      await held.arrived(3);
      hangUp.abort();
      await assert.rejects(leaving);
      await waitUntil('the gateway to see the client leave', async () => (await scrape(stack)).get('gateway_requests_in_flight') === 2);

      // The freed place takes a new request while the other two are still held.
      const next = graphql(stack.url, USER, { token: tokens[3], variables: { id: 'usr_53' } });
      await held.arrived(4);
      held.open();
      for (const response of await Promise.all([...staying, next])) assertAnswered(response);
    } finally {
      held.open();
      stack.setFault('users', null);
    }
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { getIntrospectionQuery } from 'graphql';
import type { Gateway } from '../../src/gateway.js';
import { errorCodes, graphql, type GraphQLResponse } from '../support/graphql.js';
import { nestedFollowers } from '../support/hostile-requests.js';
import { sampleOf, scrape } from '../support/metrics.js';
import { PRODUCTION_ENV, startStack, type TestStack } from '../support/stack.js';

/** Cost 20,302: two levels of `followers(first: 100)`. */
const TOO_EXPENSIVE = `{ user(id: "usr_1") { ${nestedFollowers(2)} } }`;
/** Cost 102: one user and 50 of its followers. */
const FOLLOWERS_50 = '{ user(id: "usr_1") { id followers(first: 50) { edges { node { id username } } } } }';

/** A sample of a metric on `gateway`'s /metrics, 0 when absent. */
async function metric(gateway: Gateway, name: string, labels: Record<string, string> = {}): Promise<number> {
  return sampleOf(await scrape(gateway), name, labels);
}

type CostExtensions = { cost?: { estimated: number; limit: number; rpcs: number; items: number; budget?: { remaining: number } } };

async function withExtensions(url: string, query: string, headers: Record<string, string> = {}) {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
  return { status: response.status, headers: response.headers, body: (await response.json()) as GraphQLResponse & { extensions?: CostExtensions } };
}

describe('demand control', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.stop());

  describe('the cost estimate', () => {
    it('refuses an operation over MAX_OPERATION_COST before any RPC, naming its cost and the limit', async () => {
      const before = stack.totalCalls();
      const response = await graphql(stack.url, TOO_EXPENSIVE);
      assert.deepEqual(errorCodes(response), ['OPERATION_TOO_EXPENSIVE']);
      assert.equal(response.data, undefined);
      const extensions = response.errors?.[0]?.extensions;
      assert.deepEqual({ limit: extensions?.limit, max: extensions?.max, found: extensions?.found }, { limit: 'cost', max: 5_000, found: 20_302 });
      assert.match(response.errors?.[0]?.message ?? '', /20302, over the limit of 5000/);
      assert.equal(stack.totalCalls(), before);
      assert.equal(await metric(stack.gateway, 'graphql_operations_over_limit_total', { limit: 'cost', action: 'refused' }), 1);
    });

    it('records every operation’s cost on /metrics and, outside production, in extensions.cost', async () => {
      const countBefore = await metric(stack.gateway, 'graphql_operation_cost_count', { operation_name: 'Followers' });
      const { body } = await withExtensions(stack.url, `query Followers ${FOLLOWERS_50}`);
      assert.equal(body.errors, undefined);
      assert.equal(body.extensions?.cost?.estimated, 102);
      assert.equal(body.extensions?.cost?.limit, 5_000);
      // One BatchGetUsers for the user, one BatchListFollowers, one BatchGetUsers for the 50 followers.
      assert.equal(body.extensions?.cost?.rpcs, 3);
      assert.equal(await metric(stack.gateway, 'graphql_operation_cost_count', { operation_name: 'Followers' }), countBefore + 1);
      assert.equal(await metric(stack.gateway, 'graphql_operation_cost_sum', { operation_name: 'Followers' }), 102 * (countBefore + 1));
    });

    it('in measure mode runs the expensive operation and counts it as logged, not refused', async () => {
      const measuring = await stack.startGateway({ DEMAND_CONTROL: 'measure' });
      const response = await graphql<{ user: { id: string } }>(measuring.url, `{ user(id: "usr_1") { id ${nestedFollowers(2).replace(/100/g, '60')} } }`);
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      assert.equal(response.data?.user.id, 'usr_1');
      assert.equal(await metric(measuring, 'graphql_operations_over_limit_total', { limit: 'cost', action: 'logged' }), 1);
      assert.equal(await metric(measuring, 'graphql_operations_over_limit_total', { limit: 'cost', action: 'refused' }), 0);
    });
  });

  describe('the structural limits', () => {
    it('let the full introspection query through, as Apollo Sandbox sends it', async () => {
      const query = getIntrospectionQuery({
        descriptions: true,
        specifiedByUrl: true,
        directiveIsRepeatable: true,
        schemaDescription: true,
        inputValueDeprecation: true,
        oneOf: true,
      });
      const response = await graphql<{ __schema: { types: unknown[] } }>(stack.url, query);
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      assert.ok((response.data?.__schema.types.length ?? 0) > 10);
    });

    it('count the refusals on /metrics by limit', async () => {
      const before = await metric(stack.gateway, 'graphql_operations_over_limit_total', { limit: 'tokens', action: 'refused' });
      const response = await graphql(stack.url, `{ ${'me '.repeat(1_200)}}`);
      assert.deepEqual(errorCodes(response), ['OPERATION_LIMIT_EXCEEDED']);
      assert.equal(await metric(stack.gateway, 'graphql_operations_over_limit_total', { limit: 'tokens', action: 'refused' }), before + 1);
    });
  });

  describe('in production', () => {
    let production: TestStack;
    before(async () => {
      production = await startStack({ env: PRODUCTION_ENV });
    });
    after(() => production.stop());

    it('reports the cost only to a client that sends GraphQL-Cost: report', async () => {
      const plain = await withExtensions(production.url, FOLLOWERS_50);
      assert.equal(plain.body.extensions?.cost, undefined);
      const asked = await withExtensions(production.url, FOLLOWERS_50, { 'graphql-cost': 'report' });
      assert.equal(asked.body.extensions?.cost?.estimated, 102);
      assert.equal(typeof asked.body.extensions?.cost?.budget?.remaining, 'number');
    });

    it('names the limit a refused document broke, as outside production', async () => {
      const response = await graphql(production.url, TOO_EXPENSIVE);
      assert.deepEqual(errorCodes(response), ['OPERATION_TOO_EXPENSIVE']);
      assert.equal(response.errors?.[0]?.extensions?.found, 20_302);
    });
  });

  describe('the cost budget per client', () => {
    it('spends each operation’s cost, says what is left in RateLimit headers, and refuses with 429 once spent', async () => {
      const budgeted = await stack.startGateway({ RATE_LIMIT_COST_ANONYMOUS: '250/60' });
      const first = await withExtensions(budgeted.url, FOLLOWERS_50);
      assert.equal(first.status, 200);
      assert.equal(first.headers.get('ratelimit-limit'), '250');
      assert.equal(first.headers.get('ratelimit-remaining'), '148');
      assert.equal(first.headers.get('ratelimit-policy'), '250;w=60');
      assert.ok(Number(first.headers.get('ratelimit-reset')) > 0);
      const second = await withExtensions(budgeted.url, FOLLOWERS_50);
      assert.equal(second.headers.get('ratelimit-remaining'), '46');

      const before = stack.totalCalls();
      const third = await withExtensions(budgeted.url, FOLLOWERS_50);
      assert.equal(third.status, 429);
      assert.ok(Number(third.headers.get('retry-after')) > 0);
      assert.equal(third.headers.get('ratelimit-remaining'), '0');
      assert.deepEqual(errorCodes(third.body), ['RATE_LIMITED']);
      assert.equal(third.body.errors?.[0]?.extensions?.limit, 'costBudget');
      assert.equal(stack.totalCalls(), before, 'a refused operation sends no RPC');

      // A signed-in viewer spends a budget of its own.
      const token = await stack.signToken({ sub: 'usr_2', roles: ['user'], scope: 'read write' });
      const signedIn = await graphql(budgeted.url, FOLLOWERS_50, { token });
      assert.equal(signedIn.errors, undefined);
      assert.equal(signedIn.headers.get('ratelimit-limit'), '100000');
    });
  });

  describe('the execution budget', () => {
    it('stops a request that resolves more list items than MAX_ITEMS_PER_REQUEST, with one error and the data it had', async () => {
      const small = await stack.startGateway({ MAX_ITEMS_PER_REQUEST: '100' });
      // 1 user, then a page of up to 100 followers: past 100 before the page is asked for.
      const response = await graphql<{ user: { id: string; followers: unknown } | null }>(
        small.url,
        '{ user(id: "usr_1") { id followers(first: 100) { edges { node { id username } } } } }',
      );
      assert.deepEqual(errorCodes(response), ['EXECUTION_BUDGET_EXCEEDED']);
      assert.equal(response.errors?.[0]?.extensions?.limit, 'items');
      assert.equal(response.errors?.[0]?.extensions?.max, 100);
      assert.deepEqual(response.errors?.[0]?.path, ['user', 'followers']);
      assert.equal(response.data?.user?.id, 'usr_1');
      assert.equal(await metric(small, 'graphql_operations_over_limit_total', { limit: 'items', action: 'refused' }), 1);
    });

    it('sends no more than MAX_RPCS_PER_REQUEST calls, and none after the answer', async () => {
      const small = await stack.startGateway({ MAX_RPCS_PER_REQUEST: '2' });
      const before = stack.totalCalls();
      // Four batch RPCs: the user, its counts, its followers page, the followers themselves.
      const response = await graphql(small.url, '{ user(id: "usr_1") { id followersCount followers(first: 5) { edges { node { id username } } } } }');
      assert.ok(errorCodes(response).includes('EXECUTION_BUDGET_EXCEEDED'), JSON.stringify(response.errors));
      assert.equal(errorCodes(response).filter((code) => code === 'EXECUTION_BUDGET_EXCEEDED').length, 1);
      const sent = stack.totalCalls() - before;
      assert.equal(sent, 2);
      // Anything still running behind the answer would reach a service by the time another request has been answered.
      await graphql(stack.url, '{ post(id: "pst_1") { id } }');
      assert.equal(stack.totalCalls() - before, sent + 1);
    });

    it('leaves nothing running behind an answer that an error nulled whole', async () => {
      // `feed` needs a viewer and cannot be null: its error nulls all of `data` at once, and
      // graphql-js answers while `u` is still fetching its followers' followers.
      const query = `{ u: user(id: "usr_1") { followers(first: 5) { edges { node { followers(first: 5) { edges { node { following(first: 5) { edges { cursor } } } } } } } } } feed { edges { cursor } } }`;
      const response = await graphql(stack.url, query);
      assert.equal(response.data, null);
      assert.deepEqual(errorCodes(response), ['UNAUTHENTICATED']);
      const atAnswer = stack.totalCalls();
      // Anything still running behind the answer would reach a service by the time another request has been answered.
      await graphql(stack.url, '{ post(id: "pst_1") { id } }');
      await graphql(stack.url, '{ post(id: "pst_2") { id } }');
      assert.equal(stack.totalCalls(), atAnswer + 2);
    });

    it('refuses to send an answer larger than MAX_RESPONSE_BYTES', async () => {
      const small = await stack.startGateway({ MAX_RESPONSE_BYTES: '2000' });
      const ids = Array.from({ length: 60 }, (_, i) => `"usr_${i + 1}"`).join(',');
      const response = await graphql(small.url, `{ users(ids: [${ids}]) { id username displayName bio } }`);
      assert.deepEqual(errorCodes(response), ['RESPONSE_TOO_LARGE']);
      assert.equal(response.data, null);
      assert.equal(response.errors?.[0]?.extensions?.max, 2_000);
      // Too many errors for a request that never ran: still too large, and still without data.
      const refused = await graphql(small.url, `{ ${Array.from({ length: 60 }, (_, i) => `nope${i}`).join(' ')} }`);
      assert.deepEqual(errorCodes(refused), ['RESPONSE_TOO_LARGE']);
      assert.equal('data' in refused, false);
      // A small answer from the same gateway is untouched.
      const fine = await graphql<{ user: { id: string } }>(small.url, '{ user(id: "usr_1") { id } }');
      assert.equal(fine.data?.user.id, 'usr_1');
    });
  });

  describe('switched off', () => {
    it('with DEMAND_CONTROL=off nothing is estimated, limited or reported', async () => {
      const off = await stack.startGateway({ DEMAND_CONTROL: 'off' });
      const response = await graphql<{ user: { id: string } }>(off.url, `{ a: user(id: "usr_1") { id } ${Array.from({ length: 20 }, (_, i) => `b${i}: user(id: "usr_2") { id }`).join(' ')} }`);
      assert.equal(response.errors, undefined);
      assert.equal(response.headers.get('ratelimit-limit'), null);
    });
  });
});

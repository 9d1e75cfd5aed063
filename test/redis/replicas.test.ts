import assert from 'node:assert/strict';
import { after, before, describe, it } from '../support/skippable.js';
import type { Gateway } from '../../src/gateway.js';
import { errorCodes, graphql, type GraphQLResponse } from '../support/graphql.js';
import { deleteKeys, redisSkipReason, requireRedis, runPrefix, SHARED_REDIS_URL } from '../support/redis.js';
import { startStack, type TestStack } from '../support/stack.js';

const skip = await redisSkipReason();

const ANONYMOUS_LIMIT = 5;
const LOGIN_LIMIT = 3;

describe('two gateway replicas on one Redis', { skip }, () => {
  const prefix = runPrefix('replicas');
  let stack: TestStack;
  let second: Gateway;

  before(async () => {
    await requireRedis();
    stack = await startStack({
      env: {
        REDIS_URL: SHARED_REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        // Requests from loopback may name the client in X-Forwarded-For, so each
        // test can be its own client and count against its own limit.
        TRUST_PROXY: 'loopback',
        RATE_LIMIT_ANONYMOUS: `${ANONYMOUS_LIMIT}/60`,
        RATE_LIMIT_LOGIN: `${LOGIN_LIMIT}/300`,
      },
    });
    second = await stack.startGateway();
  });
  after(async () => {
    await stack?.stop();
    await deleteKeys(SHARED_REDIS_URL, prefix);
  });

  it('a write through one replica is seen through the other on the next read', async () => {
    const token = await stack.login('user4@example.com');
    const read = () => graphql<{ profile: { user: { bio: string } } }>(second.url, `{ profile(userId: "usr_4") { user { bio } } }`, { token });
    await read();
    await read(); // now cached
    const bio = `written through the first replica ${Date.now()}`;
    const write = await graphql(stack.url, `mutation($bio: String) { updateProfile(input: { bio: $bio }) { id } }`, { token, variables: { bio } });
    assert.equal(write.errors, undefined, JSON.stringify(write.errors));
    assert.equal((await read()).data?.profile.user.bio, bio);
  });

  it(`a rate limit of ${ANONYMOUS_LIMIT} per minute admits ${ANONYMOUS_LIMIT} requests in total across both replicas, then 429 with Retry-After`, async () => {
    const headers = { 'x-forwarded-for': '203.0.113.10' };
    const responses: GraphQLResponse[] = [];
    for (let i = 0; i < ANONYMOUS_LIMIT * 2; i += 1) {
      responses.push(await graphql(i % 2 === 0 ? stack.url : second.url, `{ user(id: "usr_1") { id } }`, { headers }));
    }
    const admitted = responses.filter((response) => response.status === 200);
    const refused = responses.filter((response) => response.status === 429);
    assert.equal(admitted.length, ANONYMOUS_LIMIT);
    assert.equal(refused.length, ANONYMOUS_LIMIT);
    for (const response of refused) {
      assert.deepEqual(errorCodes(response), ['RATE_LIMITED']);
      const retryAfter = Number(response.headers.get('retry-after'));
      assert.ok(retryAfter >= 1 && retryAfter <= 60, `Retry-After ${retryAfter}`);
    }
    // Another client has its own allowance.
    const other = await graphql(second.url, `{ user(id: "usr_1") { id } }`, { headers: { 'x-forwarded-for': '203.0.113.11' } });
    assert.equal(other.status, 200);
  });

  it('signed-in requests count against the viewer, not the address', async () => {
    const token = await stack.login('user5@example.com');
    const headers = { 'x-forwarded-for': '203.0.113.20' };
    for (let i = 0; i < ANONYMOUS_LIMIT + 2; i += 1) {
      const response = await graphql(i % 2 === 0 ? stack.url : second.url, `{ me { id } }`, { token, headers });
      assert.equal(response.status, 200, `request ${i + 1}`);
    }
  });

  it(`login attempts are limited to ${LOGIN_LIMIT} per client across replicas: the next is RATE_LIMITED with HTTP 429`, async () => {
    const headers = { 'x-forwarded-for': '203.0.113.30' };
    const attempt = (url: string) =>
      graphql(url, `mutation { login(input: { email: "user1@example.com", password: "wrong password" }) { accessToken } }`, { headers });
    for (let i = 0; i < LOGIN_LIMIT; i += 1) {
      assert.deepEqual(errorCodes(await attempt(i % 2 === 0 ? stack.url : second.url)), ['UNAUTHENTICATED']);
    }
    const limited = await attempt(second.url);
    assert.equal(limited.status, 429);
    assert.deepEqual(errorCodes(limited), ['RATE_LIMITED']);
    assert.ok(Number(limited.headers.get('retry-after')) >= 1);
  });

  it('a cost budget is spent in total across both replicas, and RateLimit-Remaining says so on either', async () => {
    const budgeted = await stack.startGateway({ RATE_LIMIT_COST_SIGNED_IN: '250/60' });
    const other = await stack.startGateway({ RATE_LIMIT_COST_SIGNED_IN: '250/60' });
    const token = await stack.signToken({ sub: 'usr_6', roles: ['user'], scope: 'read write' });
    // Cost 102: a user and 50 of its followers.
    const query = '{ user(id: "usr_1") { id followers(first: 50) { edges { node { id username } } } } }';
    const throughOne = await graphql(budgeted.url, query, { token });
    assert.equal(throughOne.headers.get('ratelimit-remaining'), '148');
    const throughOther = await graphql(other.url, query, { token });
    assert.equal(throughOther.headers.get('ratelimit-remaining'), '46');
    const overBudget = await graphql(budgeted.url, query, { token });
    assert.equal(overBudget.status, 429);
    assert.equal(overBudget.errors?.[0]?.extensions?.limit, 'costBudget');
  });

  it('without a trusted proxy, X-Forwarded-For cannot spread one client over many allowances', async () => {
    const untrusting = await stack.startGateway({ TRUST_PROXY: '', REDIS_KEY_PREFIX: `${prefix}untrusting:` });
    const statuses: number[] = [];
    for (let i = 0; i < ANONYMOUS_LIMIT + 1; i += 1) {
      statuses.push((await graphql(untrusting.url, `{ user(id: "usr_1") { id } }`, { headers: { 'x-forwarded-for': `198.51.100.${i}` } })).status);
    }
    assert.deepEqual(statuses, [...Array(ANONYMOUS_LIMIT).fill(200), 429]);
  });
});

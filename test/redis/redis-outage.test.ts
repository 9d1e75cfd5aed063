import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from '../support/skippable.js';
import { errorCodes, graphql } from '../support/graphql.js';
import { ownRedis, redisClient, redisServerSkipReason, runPrefix, type OwnRedis } from '../support/redis.js';
import { startStack, type TestStack } from '../support/stack.js';
import type { Gateway } from '../../src/gateway.js';
import { sha256 } from '../../src/persisted-queries/trusted-documents.js';
import { postJson } from '../support/persisted-queries.js';

const PROFILE = `query($id: ID!) { profile(userId: $id) { user { id username bio } followersCount followingCount recentPosts { id } recommendations { id } } }`;

describe('when Redis goes away', { skip: redisServerSkipReason() }, () => {
  let redis: OwnRedis;
  let stack: TestStack;
  let failClosed: Gateway;
  let token: string;
  let baseline: unknown;
  const prefix = runPrefix('outage');

  before(async () => {
    redis = await ownRedis();
    await redis.start();
    stack = await startStack({ env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, REDIS_COMMAND_TIMEOUT_MS: '200' } });
    failClosed = await stack.startGateway({ RATE_LIMIT_FAIL: 'closed' });
    token = await stack.login('user6@example.com');
    baseline = (await graphql(stack.url, PROFILE, { variables: { id: 'usr_8' } })).data;
  });
  after(async () => {
    await stack.stop();
    await redis.kill();
  });

  async function assertProfileCorrect(url: string) {
    const response = await graphql(url, PROFILE, { variables: { id: 'usr_8' } });
    assert.equal(response.status, 200);
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    assert.deepEqual(response.data, baseline);
  }

  it('with Redis killed, every request still answers correctly, from the services', async () => {
    const probe = redisClient(redis.url, prefix);
    assert.ok(await probe.exists('profile:{usr_8}'), 'the profile was cached while Redis was up');
    probe.disconnect();

    await redis.kill();
    for (let i = 0; i < 3; i += 1) await assertProfileCorrect(stack.url);
    const me = await graphql<{ me: { id: string } }>(stack.url, `{ me { id } }`, { token });
    assert.equal(me.data?.me.id, 'usr_6');
    const bio = `written while Redis was down ${Date.now()}`;
    const write = await graphql(stack.url, `mutation($bio: String) { updateProfile(input: { bio: $bio }) { bio } }`, { token, variables: { bio } });
    assert.equal(write.errors, undefined, JSON.stringify(write.errors));
    const read = await graphql<{ profile: { user: { bio: string } } }>(stack.url, `{ profile(userId: "usr_6") { user { bio } } }`);
    assert.equal(read.data?.profile.user.bio, bio);
    // Automatic persisted queries degrade to "send the whole query", which still runs.
    const query = `{ user(id: "usr_1") { id } }`;
    const extensions = { persistedQuery: { version: 1, sha256Hash: sha256(query) } };
    const hashOnly = await postJson(stack.url, { extensions });
    assert.deepEqual(hashOnly.errors?.map((error) => error.extensions?.code), ['PERSISTED_QUERY_NOT_FOUND']);
    const full = await postJson(stack.url, { query, extensions });
    assert.deepEqual(full.data, { user: { id: 'usr_1' } });
  });

  it('with RATE_LIMIT_FAIL=closed and Redis down, requests are refused with SERVICE_UNAVAILABLE and HTTP 503', async () => {
    const response = await graphql(failClosed.url, `{ user(id: "usr_1") { id } }`);
    assert.equal(response.status, 503);
    assert.deepEqual(errorCodes(response), ['SERVICE_UNAVAILABLE']);
    assert.ok(Number(response.headers.get('retry-after')) >= 1);
  });

  it('after Redis returns, the gateway reconnects by itself and the cache fills again', async () => {
    await redis.start();
    const gatewayRedis = stack.gateway.redis!;
    if (gatewayRedis.status !== 'ready') await once(gatewayRedis, 'ready');
    await assertProfileCorrect(stack.url);
    const probe = redisClient(redis.url, prefix);
    try {
      assert.ok(await probe.exists('profile:{usr_8}'), 'the profile is cached again');
    } finally {
      probe.disconnect();
    }
    const before = stack.totalCalls();
    await assertProfileCorrect(stack.url);
    assert.equal(stack.totalCalls(), before, 'the next read is a hit');
  });

  it('with Redis frozen (connected but not answering), requests still answer correctly after the command timeout', async () => {
    redis.freeze();
    try {
      await assertProfileCorrect(stack.url);
      const response = await graphql<{ me: { id: string } }>(stack.url, `{ me { id } }`, { token });
      assert.equal(response.data?.me.id, 'usr_6');
    } finally {
      redis.thaw();
    }
  });

  it('errors of the store are counted, as are hits and misses', async () => {
    const text = await (await fetch(`${stack.adminUrl}/metrics`)).text();
    for (const result of ['hit', 'miss', 'error']) {
      assert.match(text, new RegExp(`gateway_cache_lookups_total\\{cache="profile",result="${result}"\\} [1-9]`));
    }
  });
});

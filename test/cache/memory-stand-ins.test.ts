import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { CacheAside } from '../../src/cache/cache-aside.js';
import { SharedStateMetrics } from '../../src/cache/metrics.js';
import { MemoryVersionedStore } from '../../src/cache/versioned-store.js';
import { MemoryPersistedQueryStore } from '../../src/persisted-queries/store.js';
import { errorCodes, graphql } from '../support/graphql.js';
import { startStack, type TestStack } from '../support/stack.js';

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('in-memory stand-ins (no REDIS_URL)', () => {
  it('a cached entry is served until its TTL ends, then missed', async () => {
    const clock = manualClock();
    const store = new MemoryVersionedStore(clock.now);
    const { version } = await store.read('profile:{usr_1}');
    assert.equal(await store.fill('profile:{usr_1}', version, 'entry', 30_000), true);
    clock.advance(29_999);
    assert.equal((await store.read('profile:{usr_1}')).value, 'entry');
    clock.advance(1);
    assert.equal((await store.read('profile:{usr_1}')).value, null);
  });

  it('a fill that began before an invalidation is refused', async () => {
    const store = new MemoryVersionedStore();
    const { version } = await store.read('profile:{usr_2}');
    await store.invalidate(['profile:{usr_2}']);
    assert.equal(await store.fill('profile:{usr_2}', version, 'stale', 30_000), false);
    assert.equal((await store.read('profile:{usr_2}')).value, null);
  });

  it('a persisted query lives for its TTL', async () => {
    const clock = manualClock();
    const store = new MemoryPersistedQueryStore(new SharedStateMetrics(new Registry()), clock.now);
    await store.set('apq:abc', '{ me { id } }', { ttl: 60 });
    clock.advance(59_999);
    assert.equal(await store.get('apq:abc'), '{ me { id } }');
    clock.advance(1);
    assert.equal(await store.get('apq:abc'), undefined);
  });

  it('a value that must not be stored (partly failed) is served to every waiting caller but not cached', async () => {
    const cache = new CacheAside<{ ok: boolean }>({
      name: 'profile',
      store: new MemoryVersionedStore(),
      key: (id) => `profile:{${id}}`,
      ttlMs: 30_000,
      encode: (value) => (value.ok ? JSON.stringify(value) : null),
      decode: (stored) => JSON.parse(stored) as { ok: boolean },
      metrics: new SharedStateMetrics(new Registry()),
      logger: pino({ level: 'silent' }),
    });
    let fetches = 0;
    const fetch = async () => {
      fetches += 1;
      return { ok: false };
    };
    const answers = await Promise.all([cache.load('usr_3', fetch), cache.load('usr_3', fetch), cache.load('usr_3', fetch)]);
    assert.deepEqual(answers, [{ ok: false }, { ok: false }, { ok: false }]);
    assert.equal(fetches, 1, 'one fetch for three concurrent loads');
    await cache.load('usr_3', fetch);
    assert.equal(fetches, 2, 'not cached: the next load fetches again');
  });

  describe('a gateway without REDIS_URL', () => {
    let stack: TestStack;
    before(async () => {
      stack = await startStack({ env: { REDIS_URL: '', RATE_LIMIT_ANONYMOUS: '4/60' } });
    });
    after(() => stack.stop());

    it('caches profiles in memory and rate-limits in memory with the same behaviour', async () => {
      assert.equal(stack.gateway.redis, null);
      const query = `{ profile(userId: "usr_5") { user { id } followersCount recentPosts { id } } }`;
      const first = await graphql(stack.url, query);
      assert.equal(first.errors, undefined, JSON.stringify(first.errors));
      const calls = stack.totalCalls();
      const second = await graphql(stack.url, query);
      assert.deepEqual(second.data, first.data);
      assert.equal(stack.totalCalls(), calls, 'the second read is a hit');
      await graphql(stack.url, query);
      await graphql(stack.url, query);
      const limited = await graphql(stack.url, query);
      assert.equal(limited.status, 429);
      assert.deepEqual(errorCodes(limited), ['RATE_LIMITED']);
    });
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from '../support/skippable.js';
import type { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { SharedStateMetrics } from '../../src/cache/metrics.js';
import type { Gateway } from '../../src/gateway.js';
import { NAMESPACE } from '../../src/persisted-queries/redis-scripts.js';
import { RedisPersistedQueryStore } from '../../src/persisted-queries/redis-store.js';
import { sha256 } from '../../src/persisted-queries/trusted-documents.js';
import { postJson } from '../support/persisted-queries.js';
import { deleteKeys, ownRedis, redisClient, redisServerSkipReason, redisSkipReason, requireRedis, runPrefix, SHARED_REDIS_URL, type OwnRedis } from '../support/redis.js';
import { startStack, type TestStack } from '../support/stack.js';

const skip = await redisSkipReason();

/** A distinct query padded with a comment to `chars` characters (under the 20,000-character query limit). */
function paddedQuery(n: number, chars: number): string {
  const head = `query Q${n} { user(id: "usr_1") { id } }\n# `;
  return head + 'x'.repeat(chars - head.length);
}

const persisted = (query: string) => ({ persistedQuery: { version: 1, sha256Hash: sha256(query) } });
const apolloKey = (query: string) => `apq:${sha256(query)}`;

/** What the store's books and Redis itself say it holds, under `prefix`. */
async function held(url: string, prefix: string) {
  const client = redisClient(url);
  const base = `${prefix}${NAMESPACE}`;
  try {
    const entries: string[] = [];
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', `${base}entry:*`, 'COUNT', 500);
      entries.push(...keys);
      cursor = next;
    } while (cursor !== '0');
    const lengths = await Promise.all(entries.map((key) => client.strlen(key)));
    const sizes = (await client.hvals(`${base}sizes`)).map(Number);
    return {
      /** The byte counter the scripts keep. */
      counter: Number((await client.hget(`${base}meta`, 'bytes')) ?? 0),
      /** The sum of every entry's charge, as recorded. */
      charged: sizes.reduce((sum, size) => sum + size, 0),
      /** The query text Redis actually holds. */
      textBytes: lengths.reduce((sum, length) => sum + length, 0),
      entries: entries.length,
      tracked: await client.zcard(`${base}lru`),
    };
  } finally {
    client.disconnect();
  }
}

/** Waits until `condition` holds: for what the gateway does after it has answered. */
async function until(what: string, condition: () => Promise<boolean>): Promise<void> {
  for (const started = Date.now(); !(await condition()); ) {
    if (Date.now() - started > 5_000) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

async function metricValue(gateway: { adminUrl: string }, name: string): Promise<number> {
  const text = await (await fetch(`${gateway.adminUrl}/metrics`)).text();
  const line = text.split('\n').find((candidate) => candidate.startsWith(`${name} `));
  return line ? Number(line.slice(name.length + 1)) : 0;
}

describe('the persisted-query store in Redis, bounded in bytes', { skip }, () => {
  const prefix = runPrefix('apq-bounds');
  const clients: Redis[] = [];
  const storeOn = (maxBytes: number) => {
    const client = redisClient(SHARED_REDIS_URL, prefix);
    clients.push(client);
    return new RedisPersistedQueryStore(client, new SharedStateMetrics(new Registry()), { maxBytes });
  };

  before(() => requireRedis());
  after(async () => {
    for (const client of clients) client.disconnect();
    await deleteKeys(SHARED_REDIS_URL, prefix);
  });

  it('registering twenty times the bound leaves at most the bound stored, by the byte counter and by the texts Redis holds', async () => {
    const maxBytes = 100_000;
    const store = storeOn(maxBytes);
    const queries = Array.from({ length: 400 }, (_, n) => paddedQuery(n, 2_000 + ((n * 997) % 3_000)));
    for (const query of queries) {
      await store.set(apolloKey(query), query);
      assert.ok((await held(SHARED_REDIS_URL, prefix)).counter <= maxBytes);
    }

    const state = await held(SHARED_REDIS_URL, prefix);
    assert.ok(state.textBytes <= state.counter && state.counter <= maxBytes, JSON.stringify(state));
    assert.equal(state.counter, state.charged, 'the counter is the sum of what each entry was charged');
    assert.equal(state.tracked, state.entries, 'every entry held is on the books');
    assert.ok(state.counter > maxBytes / 2, 'the store is used, not emptied');
    // The most recent registrations are the ones kept.
    assert.equal(await store.get(apolloKey(queries.at(-1)!)), queries.at(-1));
    assert.equal(await store.get(apolloKey(queries.at(-5)!)), queries.at(-5));
    assert.equal(await store.get(apolloKey(queries[0]!)), undefined);
  });

  it('a read keeps an entry alive while newer registrations push out the ones nobody reads', async () => {
    await deleteKeys(SHARED_REDIS_URL, prefix);
    const store = storeOn(50_000);
    const [read, unread] = [paddedQuery(1_000, 2_000), paddedQuery(1_001, 2_000)];
    await store.set(apolloKey(read), read);
    await store.set(apolloKey(unread), unread);
    for (let n = 0; n < 100; n += 1) {
      const query = paddedQuery(2_000 + n, 2_000);
      await store.set(apolloKey(query), query);
      assert.equal(await store.get(apolloKey(read)), read, `still there after ${n + 1} newer registrations`);
    }
    assert.equal(await store.get(apolloKey(unread)), undefined);
  });

  it('two replicas writing at once share one bound, and the books stay exact', async () => {
    await deleteKeys(SHARED_REDIS_URL, prefix);
    const maxBytes = 60_000;
    const [one, two] = [storeOn(maxBytes), storeOn(maxBytes)];
    await Promise.all(
      Array.from({ length: 200 }, (_, n) => {
        const query = paddedQuery(3_000 + n, 1_500 + ((n * 389) % 2_500));
        return (n % 2 === 0 ? one : two).set(apolloKey(query), query);
      }),
    );
    const state = await held(SHARED_REDIS_URL, prefix);
    assert.ok(state.textBytes <= state.counter && state.counter <= maxBytes, JSON.stringify(state));
    assert.equal(state.counter, state.charged);
    assert.equal(state.tracked, state.entries);
  });

  it('a query larger than a quarter of the bound is not stored, and pushes nothing out', async () => {
    await deleteKeys(SHARED_REDIS_URL, prefix);
    const store = storeOn(40_000);
    const [small, large] = [paddedQuery(4_000, 1_000), paddedQuery(4_001, 15_000)];
    await store.set(apolloKey(small), small);
    await store.set(apolloKey(large), large);
    assert.equal(await store.get(apolloKey(large)), undefined);
    assert.equal(await store.get(apolloKey(small)), small);
    assert.equal((await held(SHARED_REDIS_URL, prefix)).entries, 1);
  });

  describe('through two gateways', () => {
    const gatewayPrefix = runPrefix('apq-bounds-http');
    const maxBytes = 200_000;
    let stack: TestStack;
    let second: Gateway;

    before(async () => {
      stack = await startStack({
        env: { REDIS_URL: SHARED_REDIS_URL, REDIS_KEY_PREFIX: gatewayPrefix, PERSISTED_QUERIES_MAX_BYTES: String(maxBytes), RATE_LIMIT_ANONYMOUS: '10000/60' },
      });
      second = await stack.startGateway();
    });
    after(async () => {
      await stack?.stop();
      await deleteKeys(SHARED_REDIS_URL, gatewayPrefix);
    });

    it('a flood of registrations through both stays within PERSISTED_QUERIES_MAX_BYTES, and the latest queries still run by hash on either', async () => {
      const queries = Array.from({ length: 120 }, (_, n) => paddedQuery(n, 10_000));
      for (const [n, query] of queries.entries()) {
        const registered = await postJson(n % 2 === 0 ? stack.url : second.url, { query, extensions: persisted(query) });
        assert.deepEqual(registered.data, { user: { id: 'usr_1' } });
      }
      const state = await held(SHARED_REDIS_URL, gatewayPrefix);
      assert.ok(state.textBytes <= state.counter && state.counter <= maxBytes, JSON.stringify(state));
      assert.ok(queries.length * 10_000 > 5 * maxBytes, 'five times the bound was registered');

      for (const url of [stack.url, second.url]) {
        const latest = await postJson(url, { extensions: persisted(queries.at(-1)!) });
        assert.deepEqual(latest.data, { user: { id: 'usr_1' } }, JSON.stringify(latest.errors));
        const first = await postJson(url, { extensions: persisted(queries[0]!) });
        assert.deepEqual(first.errors?.map((error) => error.extensions?.code), ['PERSISTED_QUERY_NOT_FOUND']);
      }
      const evicted = (await metricValue(stack, 'gateway_persisted_query_evictions_total')) + (await metricValue(second, 'gateway_persisted_query_evictions_total'));
      assert.equal(evicted, queries.length - state.entries, 'every registration not held was counted as evicted');
      assert.ok((await metricValue(stack, 'gateway_persisted_query_bytes')) <= maxBytes);
    });
  });
});

describe('with Redis short of memory (maxmemory, noeviction)', { skip: redisServerSkipReason() }, () => {
  const MAXMEMORY = 6 * 1024 * 1024;
  const FLOOD = 400;
  const QUERY_CHARACTERS = 19_000;
  const prefix = runPrefix('apq-oom');
  let redis: OwnRedis;
  let stack: TestStack;
  let failClosed: Gateway;
  let lastRegistered: string;

  before(async () => {
    redis = await ownRedis(['--maxmemory', String(MAXMEMORY), '--maxmemory-policy', 'noeviction']);
    await redis.start();
    stack = await startStack({
      env: {
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: prefix,
        // Well below maxmemory, so the store can never crowd out the rate limiter.
        PERSISTED_QUERIES_MAX_BYTES: '2000000',
        RATE_LIMIT_ANONYMOUS: `${FLOOD}/600`,
      },
    });
    failClosed = await stack.startGateway({ RATE_LIMIT_FAIL: 'closed' });
  });
  after(async () => {
    await stack?.stop();
    await redis?.kill();
  });

  const readyz = async (gateway: { adminUrl: string }) => {
    const response = await fetch(`${gateway.adminUrl}/readyz`);
    return { status: response.status, body: (await response.json()) as unknown };
  };

  /**
   * Fills Redis with big keys until it refuses a write, then sets maxmemory a
   * little below what it holds: Redis frees client buffers on its own timer, a
   * few kilobytes that could otherwise let a write through between the fill and
   * the check.
   */
  async function fillRedis(): Promise<void> {
    const client = redisClient(redis.url, `${prefix}fill:`);
    try {
      for (let n = 0; ; n += 1) {
        try {
          await client.set(String(n), 'x'.repeat(100_000));
        } catch (error) {
          if (/OOM/.test((error as Error).message)) break;
          throw error;
        }
      }
      const used = Number(/used_memory:(\d+)/.exec(await client.info('memory'))?.[1]);
      await client.config('SET', 'maxmemory', String(used - 512 * 1024));
    } finally {
      client.disconnect();
    }
  }

  it('a flood of registrations larger than maxmemory leaves rate limiting working: each request is counted and the one over the limit refused', async () => {
    assert.ok(FLOOD * QUERY_CHARACTERS > MAXMEMORY, 'unbounded, the flood would not fit in Redis');
    for (let n = 0; n < FLOOD; n += 1) {
      lastRegistered = paddedQuery(n, QUERY_CHARACTERS);
      const response = await postJson(stack.url, { query: lastRegistered, extensions: persisted(lastRegistered) });
      assert.equal(response.status, 200, `registration ${n + 1}: ${JSON.stringify(response.errors)}`);
    }
    const over = await postJson(stack.url, { query: `{ user(id: "usr_1") { id } }` });
    assert.equal(over.status, 429);
    assert.deepEqual(over.errors?.map((error) => error.extensions?.code), ['RATE_LIMITED']);

    assert.equal(await metricValue(stack, 'gateway_rate_limit_errors_total{class="anonymous",outcome="allowed"}'), 0);
    assert.equal(await metricValue(stack, 'gateway_cache_write_errors_total{cache="persisted_query",operation="set"}'), 0);
    const state = await held(redis.url, prefix);
    assert.ok(state.counter <= 2_000_000, JSON.stringify(state));
    assert.deepEqual(await readyz(stack), { status: 200, body: { ready: true, failing: [], degraded: [] } });
  });

  it('when Redis is full anyway, /readyz says so: degraded while rate limiting fails open, failing while it fails closed', async () => {
    assert.ok(lastRegistered, 'runs after the flood, which registered the query it reads back');
    await fillRedis();
    assert.deepEqual(await readyz(stack), { status: 200, body: { ready: true, failing: [], degraded: ['redis'] } });

    // Over its limit, yet let through: the limiter cannot count it and fails open.
    const through = await postJson(stack.url, { query: `{ user(id: "usr_1") { id } }` });
    assert.equal(through.status, 200);
    // A stored query still runs by hash: reads need no memory.
    const byHash = await postJson(stack.url, { extensions: persisted(lastRegistered) });
    assert.deepEqual(byHash.data, { user: { id: 'usr_1' } }, JSON.stringify(byHash.errors));
    // A registration still runs; storing it is refused as a whole, and counted.
    const books = await held(redis.url, prefix);
    const unstored = paddedQuery(FLOOD + 1, 1_000);
    const registered = await postJson(stack.url, { query: unstored, extensions: persisted(unstored) });
    assert.deepEqual(registered.data, { user: { id: 'usr_1' } });
    const writeErrors = 'gateway_cache_write_errors_total{cache="persisted_query",operation="set"}';
    await until('the refused write to be counted', async () => (await metricValue(stack, writeErrors)) === 1);
    assert.deepEqual(await held(redis.url, prefix), books, 'the books are as they were');
    assert.deepEqual(await readyz(stack), { status: 200, body: { ready: true, failing: [], degraded: ['redis', 'rate-limits'] } });

    const refused = await postJson(failClosed.url, { query: `{ user(id: "usr_1") { id } }` });
    assert.equal(refused.status, 503);
    assert.deepEqual(refused.errors?.map((error) => error.extensions?.code), ['SERVICE_UNAVAILABLE']);
    assert.deepEqual(await readyz(failClosed), { status: 503, body: { ready: false, failing: ['redis', 'rate-limits'], degraded: [] } });
  });
});

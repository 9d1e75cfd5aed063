import assert from 'node:assert/strict';
import { once } from 'node:events';
import { after, before, describe, it } from '../support/skippable.js';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { Registry } from 'prom-client';
import { SharedStateMetrics } from '../../src/cache/metrics.js';
import { loadConfig } from '../../src/config/index.js';
import type { ServiceClients } from '../../src/grpc/service-clients.js';
import { readiness, sharedStateChecks, WRITE_PROBE_KEY } from '../../src/http/readiness.js';
import { RateLimits, STORE_FAILURE_MEMORY_MS } from '../../src/rate-limit/limiter.js';
import { deleteKeys, redisClient, redisSkipReason, requireRedis, runPrefix, SHARED_REDIS_URL } from '../support/redis.js';

const skip = await redisSkipReason();

// No service channels: these cases are about the shared state alone.
const NO_SERVICES = {} as ServiceClients;

/** Waits until `redis` is connected; a command sent before may already have started connecting it. */
async function connected(redis: Redis): Promise<void> {
  if (redis.status === 'wait') await redis.connect();
  else if (redis.status !== 'ready') await once(redis, 'ready');
}

/** A clock the test moves by hand. */
function manualClock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('readiness of the shared state', { skip }, () => {
  const prefix = runPrefix('readiness');
  const settings = loadConfig({ NODE_ENV: 'test', RATE_LIMIT_ANONYMOUS: '100/60' }).rateLimits;
  const connections: Redis[] = [];
  /** A connection to the shared Redis that has not connected yet: every command fails at once, as when Redis is away. */
  const notYetConnected = () => {
    const connection = new Redis(SHARED_REDIS_URL, { keyPrefix: prefix, lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0 });
    connections.push(connection);
    return connection;
  };
  const limitsOn = (redis: Redis, failMode: 'open' | 'closed', now: () => number = Date.now) =>
    new RateLimits({ ...settings, failMode }, redis, new SharedStateMetrics(new Registry()), pino({ level: 'silent' }), now);

  before(() => requireRedis());
  after(async () => {
    for (const connection of connections) connection.disconnect();
    await deleteKeys(SHARED_REDIS_URL, prefix);
  });

  it('a failed limit check is reported (failing when rate limiting fails closed) until the store answers a check again', async () => {
    const clock = manualClock();
    const redis = notYetConnected();
    const limits = limitsOn(redis, 'closed', clock.now);
    const checks = sharedStateChecks(redis, limits, 'closed');

    assert.equal((await limits.consume('anonymous', 'ip:203.0.113.1')).outcome, 'unavailable');
    assert.deepEqual(await readiness(NO_SERVICES, 1_000, checks), { ready: false, failing: ['redis', 'rate-limits'], degraded: [] });

    // Redis is back and takes writes; the limiter has not been heard from since it failed.
    await connected(redis);
    assert.deepEqual(await readiness(NO_SERVICES, 1_000, checks), { ready: false, failing: ['rate-limits'], degraded: [] });

    assert.equal((await limits.consume('anonymous', 'ip:203.0.113.1')).outcome, 'allowed');
    assert.deepEqual(await readiness(NO_SERVICES, 1_000, checks), { ready: true, failing: [], degraded: [] });
  });

  it('with rate limiting failing open the same failure is degraded, and it is forgotten after STORE_FAILURE_MEMORY_MS by the injected clock', async () => {
    const clock = manualClock();
    const redis = notYetConnected();
    const limits = limitsOn(redis, 'open', clock.now);
    const checks = { 'rate-limits': sharedStateChecks(redis, limits, 'open')['rate-limits']! };

    assert.equal((await limits.consume('anonymous', 'ip:203.0.113.2')).outcome, 'allowed');
    clock.advance(STORE_FAILURE_MEMORY_MS - 1);
    assert.deepEqual(await readiness(NO_SERVICES, 1_000, checks), { ready: true, failing: [], degraded: ['rate-limits'] });
    // Long enough: a replica that gets no traffic (unready, failing closed) must come back by itself.
    clock.advance(1);
    assert.deepEqual(await readiness(NO_SERVICES, 1_000, checks), { ready: true, failing: [], degraded: [] });
  });

  it('the write probe sets a short-lived key under the gateway prefix', async () => {
    const redis = notYetConnected();
    await connected(redis);
    const checks = sharedStateChecks(redis, limitsOn(redis, 'closed'), 'closed');
    assert.deepEqual(await readiness(NO_SERVICES, 1_000, checks), { ready: true, failing: [], degraded: [] });
    const probe = redisClient(SHARED_REDIS_URL, prefix);
    try {
      const ttl = await probe.pttl(WRITE_PROBE_KEY);
      assert.ok(ttl > 0 && ttl <= 10_000, `expires by itself (PTTL ${ttl})`);
    } finally {
      probe.disconnect();
    }
  });

  it('without Redis there is nothing to check', () => {
    const limits = new RateLimits(settings, null, new SharedStateMetrics(new Registry()), pino({ level: 'silent' }));
    assert.deepEqual(sharedStateChecks(null, limits, 'closed'), {});
  });
});

import type { Registry } from 'prom-client';
import type { GatewayConfig } from '../config/index.js';
import { RedisPersistedQueryStore } from '../persisted-queries/redis-store.js';
import { MemoryPersistedQueryStore, type PersistedQueryStore } from '../persisted-queries/store.js';
import { RateLimits } from '../rate-limit/limiter.js';
import type { Logger } from '../telemetry/logger.js';
import { SharedStateMetrics } from './metrics.js';
import { closeRedis, connectRedis, describe, untilReady, type RedisConnection } from './redis.js';
import { MemoryVersionedStore, RedisVersionedStore, type VersionedStore } from './versioned-store.js';

/**
 * What replicas share: the store of the profile cache, the rate-limit
 * counters and the automatic persisted queries. In Redis when `REDIS_URL` (or Sentinel or
 * Cluster) is configured; otherwise in-memory stand-ins with the same
 * interfaces, right for one process and for `npm start`.
 */
export interface SharedState {
  /** The Redis connection, or null on the in-memory stand-ins. */
  readonly redis: RedisConnection | null;
  /**
   * Where the profile cache keeps its entries. Only the store lives here; the
   * cache itself (keys, codec, fill, invalidation) is src/sources/profiles/.
   */
  readonly profileStore: VersionedStore;
  readonly rateLimits: RateLimits;
  readonly persistedQueries: PersistedQueryStore;
  readonly metrics: SharedStateMetrics;
  close(): Promise<void>;
}

export interface SharedStateOptions {
  registry: Registry;
  logger: Logger;
  /** The clock of the in-memory stand-ins' expiry (Redis keeps its own time), and of the rate limiter's memory of store failures. */
  now?: () => number;
}

/** Sets up the shared state; with Redis, waits for it at most `REDIS_CONNECT_TIMEOUT_MS`. */
export async function createSharedState(config: GatewayConfig, { registry, logger, now = Date.now }: SharedStateOptions): Promise<SharedState> {
  const metrics = new SharedStateMetrics(registry);
  const redis = config.redis ? connectRedis(config.redis, logger) : null;
  if (redis && config.redis) await untilReady(redis, config.redis.connectTimeoutMs);
  if (config.redis) {
    logger.info({ redis: describe(config.redis), keyPrefix: config.redis.keyPrefix }, 'profile cache, rate limits and persisted queries in Redis, shared by every replica');
  } else {
    logger.warn(
      'REDIS_URL is not set: profile cache, rate limits and persisted queries are in memory, per process; replicas will not share them',
    );
  }
  return {
    redis,
    profileStore: redis ? new RedisVersionedStore(redis) : new MemoryVersionedStore(now),
    rateLimits: new RateLimits(config.rateLimits, redis, metrics, logger, now),
    // Bounded in bytes either way: registering a query is open to anyone.
    persistedQueries: redis
      ? new RedisPersistedQueryStore(redis, metrics, { maxBytes: config.persistedQueries.maxBytes })
      : new MemoryPersistedQueryStore(metrics, now, config.persistedQueries.maxBytes),
    metrics,
    async close() {
      if (redis) await closeRedis(redis);
    },
  };
}

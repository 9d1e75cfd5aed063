import type { ApolloServerOptions, BaseContext } from '@apollo/server';
import type { RedisConnection } from '../cache/redis.js';
import type { SharedStateMetrics } from '../cache/metrics.js';

/** The key-value store Apollo Server keeps automatic persisted queries in. */
export type PersistedQueryStore = NonNullable<Exclude<ApolloServerOptions<BaseContext>['persistedQueries'], false | undefined>['cache']>;
type KeyValueCache<_V> = PersistedQueryStore;
type KeyValueCacheSetOptions = Parameters<PersistedQueryStore['set']>[2];

/** Where automatic persisted queries live: `persisted-query:<Apollo's key>`. */
const PREFIX = 'persisted-query:';

/**
 * Apollo Server's store for automatic persisted queries, in Redis so every
 * replica knows a query any of them has seen. A failing Redis reads as "not
 * found": the client then sends the whole query, which still runs.
 */
export class RedisPersistedQueryStore implements KeyValueCache<string> {
  constructor(
    private readonly redis: RedisConnection,
    private readonly metrics: SharedStateMetrics,
  ) {}

  async get(key: string): Promise<string | undefined> {
    try {
      const value = await this.redis.get(PREFIX + key);
      this.metrics.cacheLookups.inc({ cache: 'persisted_query', result: value === null ? 'miss' : 'hit' });
      return value ?? undefined;
    } catch {
      this.metrics.cacheLookups.inc({ cache: 'persisted_query', result: 'error' });
      return undefined;
    }
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    try {
      if (options?.ttl) await this.redis.set(PREFIX + key, value, 'EX', Math.ceil(options.ttl));
      else await this.redis.set(PREFIX + key, value);
    } catch {
      this.metrics.cacheWriteErrors.inc({ cache: 'persisted_query', operation: 'set' });
    }
  }

  async delete(key: string): Promise<boolean> {
    try {
      return (await this.redis.del(PREFIX + key)) > 0;
    } catch {
      this.metrics.cacheWriteErrors.inc({ cache: 'persisted_query', operation: 'delete' });
      return false;
    }
  }
}

/** The most queries the in-memory stand-in keeps; the oldest go first. */
const MEMORY_LIMIT = 10_000;

/** The in-memory stand-in used without Redis: the same contract, for one process; `now` is injectable. */
export class MemoryPersistedQueryStore implements KeyValueCache<string> {
  private readonly entries = new Map<string, { value: string; expiresAt: number }>();

  constructor(
    private readonly metrics: SharedStateMetrics,
    private readonly now: () => number = Date.now,
  ) {}

  async get(key: string): Promise<string | undefined> {
    const entry = this.entries.get(key);
    const live = entry && entry.expiresAt > this.now() ? entry : undefined;
    if (entry && !live) this.entries.delete(key);
    this.metrics.cacheLookups.inc({ cache: 'persisted_query', result: live ? 'hit' : 'miss' });
    return live?.value;
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    this.entries.delete(key);
    this.entries.set(key, { value, expiresAt: options?.ttl ? this.now() + options.ttl * 1000 : Infinity });
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= MEMORY_LIMIT) break;
      this.entries.delete(oldest);
    }
  }

  async delete(key: string): Promise<boolean> {
    return this.entries.delete(key);
  }
}

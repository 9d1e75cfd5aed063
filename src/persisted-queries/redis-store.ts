import type { Redis } from 'ioredis';
import type { RedisConnection } from '../cache/redis.js';
import type { SharedStateMetrics } from '../cache/metrics.js';
import { DELETE_SCRIPT, GET_SCRIPT, SET_SCRIPT, scriptKeys } from './redis-scripts.js';
import { DEFAULT_MAX_BYTES, entryBytes, largestEntry, type KeyValueCacheSetOptions, type PersistedQueryStore } from './store.js';

type Keys = ReturnType<typeof scriptKeys>;

interface PersistedQueryCommands {
  persistedQuerySet(...args: [...Keys, text: string, bytes: number, ttlMs: number, maxBytes: number]): Promise<[number, number, number]>;
  persistedQueryGet(...keys: Keys): Promise<string | null>;
  persistedQueryDelete(...keys: Keys): Promise<number>;
}

/** The bound of a Redis store. */
export interface RedisPersistedQueryStoreOptions {
  /** The most bytes (see `entryBytes`) the store holds, in total across every replica sharing the Redis. */
  maxBytes?: number;
}

/**
 * Apollo Server's store for automatic persisted queries, in Redis so every
 * replica knows a query any of them has seen. It holds at most `maxBytes` in
 * total, whatever the number of replicas: each write runs one script that
 * drops expired entries, then evicts the least recently used until the new
 * entry fits (see `redis-scripts.ts`); each read marks its entry used.
 *
 * A failing Redis reads as "not found": the client then sends the whole query,
 * which still runs. A failed write is counted, never thrown.
 */
export class RedisPersistedQueryStore implements PersistedQueryStore {
  private readonly redis: RedisConnection & PersistedQueryCommands;
  private readonly maxBytes: number;
  private readonly largest: number;
  /** What ioredis puts before every key; the bound charges an entry for its key as Redis names it. */
  private readonly keyPrefix: string;

  constructor(
    redis: RedisConnection,
    private readonly metrics: SharedStateMetrics,
    { maxBytes = DEFAULT_MAX_BYTES }: RedisPersistedQueryStoreOptions = {},
  ) {
    // defineCommand loads each script once (EVALSHA, falling back to EVAL) and
    // puts the key prefix before the KEYS it is given, as for any command.
    if (!('persistedQuerySet' in redis)) {
      (redis as Redis).defineCommand('persistedQuerySet', { numberOfKeys: 5, lua: SET_SCRIPT });
      (redis as Redis).defineCommand('persistedQueryGet', { numberOfKeys: 5, lua: GET_SCRIPT });
      (redis as Redis).defineCommand('persistedQueryDelete', { numberOfKeys: 5, lua: DELETE_SCRIPT });
    }
    this.redis = redis as RedisConnection & PersistedQueryCommands;
    this.maxBytes = maxBytes;
    this.largest = largestEntry(maxBytes);
    this.keyPrefix = redis.options.keyPrefix ?? '';
  }

  async get(key: string): Promise<string | undefined> {
    try {
      const text = await this.redis.persistedQueryGet(...scriptKeys(key));
      this.metrics.cacheLookups.inc({ cache: 'persisted_query', result: text === null ? 'miss' : 'hit' });
      return text ?? undefined;
    } catch {
      this.metrics.cacheLookups.inc({ cache: 'persisted_query', result: 'error' });
      return undefined;
    }
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    const keys = scriptKeys(key);
    const bytes = entryBytes(this.keyPrefix + keys[0], value);
    // Refused before Redis sees it: no point sending a megabyte to drop it there.
    if (bytes > this.largest) {
      this.metrics.persistedQueriesTooLarge.inc();
      return;
    }
    const ttlMs = options?.ttl ? Math.ceil(options.ttl * 1000) : 0;
    try {
      const [evicted, held] = await this.redis.persistedQuerySet(...keys, value, bytes, ttlMs, this.maxBytes);
      if (evicted > 0) this.metrics.persistedQueryEvictions.inc(evicted);
      this.metrics.persistedQueryBytes.set(held);
    } catch {
      this.metrics.cacheWriteErrors.inc({ cache: 'persisted_query', operation: 'set' });
    }
  }

  async delete(key: string): Promise<boolean> {
    try {
      return (await this.redis.persistedQueryDelete(...scriptKeys(key))) > 0;
    } catch {
      this.metrics.cacheWriteErrors.inc({ cache: 'persisted_query', operation: 'delete' });
      return false;
    }
  }
}

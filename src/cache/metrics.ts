import { Counter, Gauge, type Registry } from 'prom-client';

/** Which shared store a cache counter is about. */
export type CacheName = 'profile' | 'persisted_query';

/**
 * Metrics of the state replicas share: cache hits, misses and errors,
 * rate-limit rejections, and what the persisted-query store holds and evicts. They live in the gateway's own registry, beside its
 * other metrics, so `/metrics` shows them.
 */
export class SharedStateMetrics {
  /** Lookups by cache and result: `hit`, `miss`, or `error` (the store failed and the request went on without it). */
  readonly cacheLookups: Counter<'cache' | 'result'>;
  /** Writes and invalidations that failed because the store did. */
  readonly cacheWriteErrors: Counter<'cache' | 'operation'>;
  /** Requests refused by a rate limit, by class. */
  readonly rateLimitRejections: Counter<'class'>;
  /** Limit checks the store could not answer, by class and by what was done (`allowed` fail-open, `refused` fail-closed). */
  readonly rateLimitErrors: Counter<'class' | 'outcome'>;
  /**
   * Bytes the persisted-query store holds, as its bound counts them (text, key
   * and bookkeeping). In memory, this process's; with Redis, the total of every
   * replica, as of this replica's last write.
   */
  readonly persistedQueryBytes: Gauge;
  /** Persisted queries evicted, least recently used first, to stay within `PERSISTED_QUERIES_MAX_BYTES` (by this replica's writes). */
  readonly persistedQueryEvictions: Counter;
  /** Persisted queries not stored because one alone would take more than a quarter of the bound; they still ran. */
  readonly persistedQueriesTooLarge: Counter;

  constructor(registry: Registry) {
    this.cacheLookups = new Counter({
      name: 'gateway_cache_lookups_total',
      help: 'Cache lookups by cache and result (hit, miss, error).',
      labelNames: ['cache', 'result'] as const,
      registers: [registry],
    });
    this.cacheWriteErrors = new Counter({
      name: 'gateway_cache_write_errors_total',
      help: 'Cache writes and invalidations that failed, by cache and operation.',
      labelNames: ['cache', 'operation'] as const,
      registers: [registry],
    });
    this.rateLimitRejections = new Counter({
      name: 'gateway_rate_limit_rejections_total',
      help: 'Requests refused with RATE_LIMITED, by limit class.',
      labelNames: ['class'] as const,
      registers: [registry],
    });
    this.rateLimitErrors = new Counter({
      name: 'gateway_rate_limit_errors_total',
      help: 'Rate-limit checks the store could not answer, by class and outcome (allowed when failing open, refused when failing closed).',
      labelNames: ['class', 'outcome'] as const,
      registers: [registry],
    });
    this.persistedQueryBytes = new Gauge({
      name: 'gateway_persisted_query_bytes',
      help: 'Bytes the automatic persisted-query store holds (text, keys and bookkeeping); with Redis, the total of every replica as of this replica\'s last write.',
      registers: [registry],
    });
    this.persistedQueryEvictions = new Counter({
      name: 'gateway_persisted_query_evictions_total',
      help: 'Automatic persisted queries evicted, least recently used first, to keep the store within PERSISTED_QUERIES_MAX_BYTES.',
      registers: [registry],
    });
    this.persistedQueriesTooLarge = new Counter({
      name: 'gateway_persisted_query_too_large_total',
      help: 'Automatic persisted queries not stored because one would take more than a quarter of PERSISTED_QUERIES_MAX_BYTES (they still ran).',
      registers: [registry],
    });
  }
}

import { LRUCache } from 'lru-cache';
import type { Logger } from '../telemetry/logger.js';
import type { CacheName, SharedStateMetrics } from './metrics.js';
import type { VersionedStore } from './versioned-store.js';

/** What a lookup found: `hit`, `miss`, or `error` (the store failed and the value was fetched without it). */
export type CacheLookupResult = 'hit' | 'miss' | 'error';

export interface CacheAsideOptions<T> {
  name: CacheName;
  store: VersionedStore;
  /** The store key of an id; a hash tag around the id keeps a key and its version in one Cluster slot. */
  key: (id: string) => string;
  /** How long an entry lives; 0 reads and writes nothing, every load fetches. */
  ttlMs: number;
  /** The stored form of a value, or null when this value must not be stored (say, it is partly failed). */
  encode: (value: T) => string | null;
  decode: (stored: string) => T;
  /**
   * How many decoded entries this replica keeps beside the store (1,024 by
   * default; 0 keeps none). A read whose stored text is the one decoded before
   * reuses that value instead of decoding it again: the store still decides
   * what is current, so an invalidated entry is never served from here.
   */
  decodedEntries?: number;
  metrics: SharedStateMetrics;
  logger: Logger;
}

/**
 * Cache-aside over a versioned store, with single-flight: concurrent loads of
 * one key on this replica share one read, one fetch and one fill. The flight is
 * keyed by the version each caller read, so a load that starts after an
 * invalidation (on any replica) never joins a flight that began before it.
 *
 * The store is an optimisation, never a dependency: when it fails, the load is
 * answered by `fetch` and the failure is only counted.
 */
export class CacheAside<T> {
  private readonly flights = new Map<string, Promise<T>>();
  /** By store key, the last text decoded and its value, deeply frozen: requests share it, so none may change it. */
  private readonly decoded: LRUCache<string, { stored: string; value: T }> | null;

  constructor(private readonly options: CacheAsideOptions<T>) {
    const max = options.decodedEntries ?? 1_024;
    this.decoded = max > 0 ? new LRUCache({ max }) : null;
  }

  /**
   * The value of `id`: from the store when it holds a current entry, else from
   * `fetch`, which then fills it. `onLookup`, if given, is told what the lookup
   * found (a request listing its calls); with the cache off there is no lookup.
   */
  async load(id: string, fetch: () => Promise<T>, onLookup?: (result: CacheLookupResult) => void): Promise<T> {
    if (this.options.ttlMs === 0) return fetch();
    const key = this.options.key(id);
    let version: string;
    try {
      const read = await this.options.store.read(key);
      const hit = read.value === null ? undefined : this.decode(key, read.value);
      if (hit !== undefined) {
        this.count('hit', onLookup);
        return hit;
      }
      version = read.version;
    } catch (error) {
      this.storeFailed('read', error, onLookup);
      // Without the store, still one fan-out per key at a time on this replica.
      return this.flight(`${key}@unavailable`, fetch);
    }
    this.count('miss', onLookup);
    return this.flight(`${key}@${version}`, async () => {
      // Another flight for this version may have filled the entry between our
      // read and now; read again rather than fan out a second time.
      const again = await this.options.store.read(key).catch(() => null);
      const hit = again?.version === version && again.value !== null ? this.decode(key, again.value) : undefined;
      if (hit !== undefined) return hit;
      const value = await fetch();
      const encoded = this.options.encode(value);
      if (encoded !== null) {
        await this.options.store.fill(key, version, encoded, this.options.ttlMs).catch((error: unknown) => this.writeFailed('fill', error));
      }
      return value;
    });
  }

  /**
   * Drops the entries of `ids` on every replica at once (they share the store).
   * When the store cannot be reached the entries live until their TTL ends; the
   * write itself has succeeded, so it is not failed for that.
   */
  async invalidate(ids: readonly string[]): Promise<void> {
    if (this.options.ttlMs === 0 || ids.length === 0) return;
    await this.options.store.invalidate([...new Set(ids)].map(this.options.key)).catch((error: unknown) => this.writeFailed('invalidate', error));
  }

  private flight(flightKey: string, run: () => Promise<T>): Promise<T> {
    const running = this.flights.get(flightKey);
    if (running) return running;
    const started = run().finally(() => this.flights.delete(flightKey));
    this.flights.set(flightKey, started);
    return started;
  }

  private decode(key: string, stored: string): T | undefined {
    const known = this.decoded?.get(key);
    // Comparing texts costs far less than parsing one; the store has already said this text is current.
    if (known !== undefined && known.stored === stored) return known.value;
    try {
      const value = deepFreeze(this.options.decode(stored));
      this.decoded?.set(key, { stored, value });
      return value;
    } catch (error) {
      // An entry written by an incompatible build: treat it as a miss, the fill replaces it.
      this.options.logger.warn({ cache: this.options.name, err: (error as Error).message }, 'cache entry could not be read; refetching');
      return undefined;
    }
  }

  private count(result: CacheLookupResult, onLookup?: (result: CacheLookupResult) => void): void {
    this.options.metrics.cacheLookups.inc({ cache: this.options.name, result });
    onLookup?.(result);
  }

  private storeFailed(operation: string, error: unknown, onLookup?: (result: CacheLookupResult) => void): void {
    this.count('error', onLookup);
    this.options.logger.debug({ cache: this.options.name, operation, err: (error as Error).message }, 'cache store failed; answering without it');
  }

  private writeFailed(operation: string, error: unknown): void {
    this.options.metrics.cacheWriteErrors.inc({ cache: this.options.name, operation });
    this.options.logger.debug({ cache: this.options.name, operation, err: (error as Error).message }, 'cache store failed');
  }
}

/** `value` with every plain object and array in it frozen (a Date stays as it is). */
function deepFreeze<V>(value: V): V {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value) || value instanceof Date) return value;
  Object.freeze(value);
  for (const child of Object.values(value)) deepFreeze(child);
  return value;
}

import type { ApolloServerOptions, BaseContext } from '@apollo/server';
import { LRUCache } from 'lru-cache';
import type { SharedStateMetrics } from '../cache/metrics.js';

/** The key-value store Apollo Server keeps automatic persisted queries in. */
export type PersistedQueryStore = NonNullable<Exclude<ApolloServerOptions<BaseContext>['persistedQueries'], false | undefined>['cache']>;
type KeyValueCache<_V> = PersistedQueryStore;
/** What Apollo Server passes to `set`: `ttl` in seconds, when it has one. */
export type KeyValueCacheSetOptions = Parameters<PersistedQueryStore['set']>[2];

/** The bound when none is given; the same as `PERSISTED_QUERIES_MAX_BYTES`'s default. */
export const DEFAULT_MAX_BYTES = 10_000_000;

/**
 * What an entry costs besides its text and its key's name: the store's
 * bookkeeping (in Redis, the nodes of two sorted sets and a hash and the
 * string's own header; in memory, the LRU's slots and the map entry). Charged,
 * so that a flood of tiny queries is bounded too. Measured on Redis 7 with the
 * default key prefix: a short query takes about 970 bytes of `used_memory`,
 * charged about 1,020; a 2,000-character one about 3,280, charged 2,980 (the
 * allocator rounds the text up): within about 10% either way.
 */
const ENTRY_OVERHEAD_BYTES = 512;

/**
 * Why an entry is refused beyond a quarter of the bound: one such entry would
 * push out a quarter of everything stored, so a few registrations (anonymous
 * ones, too) could flush the whole store for every client. Real operations are
 * far smaller; one that is refused still runs, it is just not remembered, and
 * its client sends the full text again next time.
 */
export const LARGEST_ENTRY_SHARE = 4;

/**
 * How many bytes a string takes, by the larger of two measures: UTF-8 (what
 * Redis stores) and V8's (one byte a character while every character is
 * Latin-1, two a UTF-16 unit otherwise). A bound in these bytes holds in both.
 */
export function heldBytes(text: string): number {
  const utf8 = Buffer.byteLength(text, 'utf8');
  // eslint-disable-next-line no-control-regex -- the Latin-1 range starts at U+0000
  const v8 = /[^\u0000-\u00ff]/.test(text) ? text.length * 2 : text.length;
  return Math.max(utf8, v8);
}

/**
 * What one entry is charged against the bound: its text, four times its key
 * (Redis holds the key's name in four places; see ENTRY_OVERHEAD_BYTES) and
 * the bookkeeping. The Redis store passes the key as Redis names it, prefix included.
 */
export function entryBytes(key: string, text: string): number {
  return heldBytes(text) + 4 * heldBytes(key) + ENTRY_OVERHEAD_BYTES;
}

/** The largest entry a store bounded by `maxBytes` keeps. */
export function largestEntry(maxBytes: number): number {
  return Math.floor(maxBytes / LARGEST_ENTRY_SHARE);
}

interface MemoryEntry {
  text: string;
  expiresAt: number;
}

/**
 * The in-memory stand-in used without Redis: the same contract, for one
 * process. It holds at most `maxBytes` (see `entryBytes`), dropping the least
 * recently used entry first; a `get` counts as a use. Expiry is checked against
 * `now`, which is injectable; an expired entry is dropped when read, and until
 * then ages out of the LRU like any unused one, within the same bound.
 */
export class MemoryPersistedQueryStore implements KeyValueCache<string> {
  private readonly entries: LRUCache<string, MemoryEntry>;
  private readonly largest: number;

  constructor(
    private readonly metrics: SharedStateMetrics,
    private readonly now: () => number = Date.now,
    maxBytes: number = DEFAULT_MAX_BYTES,
  ) {
    this.largest = largestEntry(maxBytes);
    this.entries = new LRUCache<string, MemoryEntry>({
      maxSize: maxBytes,
      sizeCalculation: (entry, key) => entryBytes(key, entry.text),
      dispose: (_entry, _key, reason) => {
        if (reason === 'evict') metrics.persistedQueryEvictions.inc();
      },
    });
  }

  /** Bytes held, as the bound counts them. */
  get bytes(): number {
    return this.entries.calculatedSize;
  }

  async get(key: string): Promise<string | undefined> {
    const entry = this.entries.get(key);
    const live = entry && entry.expiresAt > this.now() ? entry : undefined;
    if (entry && !live) this.drop(key);
    this.metrics.cacheLookups.inc({ cache: 'persisted_query', result: live ? 'hit' : 'miss' });
    return live?.text;
  }

  async set(key: string, value: string, options?: KeyValueCacheSetOptions): Promise<void> {
    if (entryBytes(key, value) > this.largest) {
      this.metrics.persistedQueriesTooLarge.inc();
      return;
    }
    this.entries.set(key, { text: value, expiresAt: options?.ttl ? this.now() + options.ttl * 1000 : Infinity });
    this.metrics.persistedQueryBytes.set(this.bytes);
  }

  async delete(key: string): Promise<boolean> {
    return this.drop(key);
  }

  private drop(key: string): boolean {
    const deleted = this.entries.delete(key);
    this.metrics.persistedQueryBytes.set(this.bytes);
    return deleted;
  }
}

import type { Redis } from 'ioredis';
import type { RedisConnection } from './redis.js';

/** What a read found: the key's current version, and the entry stored for that version if any. */
export interface VersionedRead {
  /** Opaque; a fill must pass it back so it lands only if nothing was invalidated meanwhile. */
  version: string;
  value: string | null;
}

/**
 * A cache whose keys carry a version. Invalidating a key bumps its version, and
 * a fill lands only if the version is still the one read before the fill began:
 * a slow fill that started before an invalidation can never put stale data back.
 */
export interface VersionedStore {
  read(key: string): Promise<VersionedRead>;
  /** Stores `value` for `key` if its version is still `version`; says whether it did. */
  fill(key: string, version: string, value: string, ttlMs: number): Promise<boolean>;
  /** Bumps each key's version and drops its entry. */
  invalidate(keys: readonly string[]): Promise<void>;
}

/**
 * How long a version counter outlives its last bump. Far longer than any entry
 * lives, so the counter cannot expire and restart while a fill of an older
 * version is still in flight.
 */
const VERSION_TTL_MS = 7 * 24 * 3_600_000;

// KEYS[1] = version key, KEYS[2] = entry key. The entry is stored as
// "<version>|<value>", so one MGET tells whether it belongs to the current version.
const FILL_SCRIPT = `
local current = redis.call('GET', KEYS[1]) or '0'
if current ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[2], ARGV[1] .. '|' .. ARGV[2], 'PX', ARGV[3])
return 1`;

const INVALIDATE_SCRIPT = `
redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('DEL', KEYS[2])
return 1`;

interface VersionedCommands {
  versionedFill(versionKey: string, entryKey: string, version: string, value: string, ttlMs: number): Promise<number>;
  versionedInvalidate(versionKey: string, entryKey: string, versionTtlMs: number): Promise<number>;
}

/**
 * The Redis store. An entry lives at `<key>` and its version at `<key>:version`;
 * callers put a hash tag in `key` (`profile:{usr_1}`) so both land in one
 * Cluster slot and each script touches a single slot, atomically.
 */
export class RedisVersionedStore implements VersionedStore {
  private readonly redis: RedisConnection & VersionedCommands;

  constructor(redis: RedisConnection) {
    // defineCommand loads each script once (EVALSHA, falling back to EVAL).
    if (!('versionedFill' in redis)) {
      (redis as Redis).defineCommand('versionedFill', { numberOfKeys: 2, lua: FILL_SCRIPT });
      (redis as Redis).defineCommand('versionedInvalidate', { numberOfKeys: 2, lua: INVALIDATE_SCRIPT });
    }
    this.redis = redis as RedisConnection & VersionedCommands;
  }

  async read(key: string): Promise<VersionedRead> {
    const [version, stored] = await this.redis.mget(versionKey(key), key);
    const current = version ?? '0';
    if (stored == null) return { version: current, value: null };
    const separator = stored.indexOf('|');
    const value = separator > 0 && stored.slice(0, separator) === current ? stored.slice(separator + 1) : null;
    return { version: current, value };
  }

  async fill(key: string, version: string, value: string, ttlMs: number): Promise<boolean> {
    return (await this.redis.versionedFill(versionKey(key), key, version, value, ttlMs)) === 1;
  }

  async invalidate(keys: readonly string[]): Promise<void> {
    await Promise.all(keys.map((key) => this.redis.versionedInvalidate(versionKey(key), key, VERSION_TTL_MS)));
  }
}

/** The most entries the in-memory stand-in keeps. */
const MEMORY_ENTRY_LIMIT = 10_000;

/**
 * The in-memory stand-in used without Redis: the same contract, for one process.
 * `now` is injectable so tests control expiry.
 */
export class MemoryVersionedStore implements VersionedStore {
  private readonly versions = new Map<string, number>();
  private readonly entries = new Map<string, { version: string; value: string; expiresAt: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  async read(key: string): Promise<VersionedRead> {
    const version = String(this.versions.get(key) ?? 0);
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= this.now()) this.entries.delete(key);
    const live = this.entries.get(key);
    return { version, value: live && live.version === version ? live.value : null };
  }

  async fill(key: string, version: string, value: string, ttlMs: number): Promise<boolean> {
    if (String(this.versions.get(key) ?? 0) !== version) return false;
    this.entries.delete(key);
    this.entries.set(key, { version, value, expiresAt: this.now() + ttlMs });
    // Bounded like a cache should be: past the limit the oldest fill goes first.
    for (const oldest of this.entries.keys()) {
      if (this.entries.size <= MEMORY_ENTRY_LIMIT) break;
      this.entries.delete(oldest);
    }
    return true;
  }

  async invalidate(keys: readonly string[]): Promise<void> {
    for (const key of keys) {
      this.versions.set(key, (this.versions.get(key) ?? 0) + 1);
      this.entries.delete(key);
    }
  }
}

function versionKey(key: string): string {
  return `${key}:version`;
}

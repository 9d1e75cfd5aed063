import { CacheAside, type CacheLookupResult } from '../../cache/cache-aside.js';
import type { SharedStateMetrics } from '../../cache/metrics.js';
import type { VersionedStore } from '../../cache/versioned-store.js';
import type { Logger } from '../../telemetry/logger.js';
import { decodeProfile, encodeProfile, profileKey } from './codec.js';
import type { ProfileModel } from './model.js';

export interface ProfileCacheOptions {
  /**
   * Where profiles are kept: Redis, shared by every replica, or the in-memory
   * stand-in. Created once per gateway with the rest of the shared state
   * (src/cache/shared-state.ts) and handed in here.
   */
  store: VersionedStore;
  /** How long a profile lives (`PROFILE_CACHE_TTL_SECONDS`); 0 turns the cache off, every read fans out. */
  ttlMs: number;
  metrics: SharedStateMetrics;
  logger: Logger;
}

/**
 * The profile cache of one gateway, shared by all its requests: cache-aside
 * on `profile:{userId}` over a versioned store, single-flight per replica,
 * with this module's key and codec. Requests reach it through their
 * `ProfilesSource`, which fills it through the sources and records lookups.
 */
export class ProfileCache {
  private readonly entries: CacheAside<ProfileModel>;

  constructor(options: ProfileCacheOptions) {
    this.entries = new CacheAside<ProfileModel>({
      name: 'profile',
      store: options.store,
      key: profileKey,
      ttlMs: options.ttlMs,
      encode: encodeProfile,
      decode: decodeProfile,
      metrics: options.metrics,
      logger: options.logger,
    });
  }

  /** The profile of `userId`, from the store or else from `fill`, which then fills the entry (unless part of it failed). */
  load(userId: string, fill: () => Promise<ProfileModel>, onLookup?: (result: CacheLookupResult) => void): Promise<ProfileModel> {
    return this.entries.load(userId, fill, onLookup);
  }

  /** Drops the profiles of `userIds` on every replica; a store that cannot be reached leaves them to their TTL. */
  invalidate(userIds: readonly string[]): Promise<void> {
    return this.entries.invalidate(userIds);
  }
}

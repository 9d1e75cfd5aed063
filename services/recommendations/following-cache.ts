import type { FollowingSource } from './following-source.js';

export interface FollowingCacheOptions {
  /** How long a following list is reused; default 30 s. */
  ttlMs?: number;
  /** Most users kept; the oldest entries go first. Default 10,000. */
  maxEntries?: number;
  /** The clock, in milliseconds; tests pass their own. */
  now?: () => number;
}

interface Entry {
  list: Promise<readonly string[]>;
  expiresAt: number;
}

/**
 * A per-process cache in front of a `FollowingSource`. A list is reused for
 * `ttlMs`, so a burst of requests for the same users, or for users who follow
 * the same accounts, reaches the source once. Lists still being fetched are
 * shared as well, so concurrent requests do not fetch the same user twice.
 * A failed fetch is forgotten at once, so the next request tries again.
 *
 * Recommendations tolerate a follow made in the last `ttlMs` being missed:
 * that is the trade made for not loading the relations service.
 */
export function cachedFollowingSource(
  source: FollowingSource,
  { ttlMs = 30_000, maxEntries = 10_000, now = Date.now }: FollowingCacheOptions = {},
): FollowingSource {
  const entries = new Map<string, Entry>();

  return {
    async following(userIds) {
      const time = now();
      const lists = new Map<string, Promise<readonly string[]>>();
      const misses: string[] = [];
      for (const userId of new Set(userIds)) {
        const entry = entries.get(userId);
        if (entry && entry.expiresAt > time) lists.set(userId, entry.list);
        else misses.push(userId);
      }

      if (misses.length > 0) {
        // All misses of one request go to the source together, as one batch.
        const fetched = source.following(misses);
        for (const userId of misses) {
          const entry: Entry = { list: fetched.then((found) => found.get(userId) ?? []), expiresAt: time + ttlMs };
          // Re-inserting moves the key to the end, where eviction reaches it last.
          entries.delete(userId);
          entries.set(userId, entry);
          lists.set(userId, entry.list);
          entry.list.catch(() => {
            if (entries.get(userId) === entry) entries.delete(userId);
          });
        }
        for (const oldest of entries.keys()) {
          if (entries.size <= maxEntries) break;
          entries.delete(oldest);
        }
      }

      const resolved = await Promise.all([...lists].map(async ([userId, list]) => [userId, await list] as const));
      return new Map(resolved);
    },
  };
}

import type { AnyDomainEvent, EventBus, EventSubscription } from '../../../platform/events/index.js';
import type { ProfileCache } from './cache.js';

/**
 * The profiles an event makes stale: the same table as the writes of the
 * sources (see `InvalidateProfiles`), read from the events every service
 * publishes, so that a write that did not pass through this replica (another
 * replica, another client of the services) is seen at once too.
 */
export function profilesChangedBy(event: AnyDomainEvent): string[] {
  switch (event.type) {
    case 'profile.updated':
      return [event.payload.userId];
    case 'user.followed':
    case 'user.unfollowed':
      return [event.payload.followerId, event.payload.followeeId];
    case 'post.created':
    case 'post.deleted':
    case 'post.liked':
    case 'post.unliked':
      return [event.payload.authorId];
  }
}

/**
 * Drops the cached profile of every user an event changes, for as long as
 * the watch runs. Each replica watches for itself (see `EventBus.watch`):
 * with the in-memory stand-in every replica has a cache of its own, and with
 * Redis a repeated drop costs one version bump. On start it replays the events
 * of the last `ttlMs`, so that a replica that was down (or a bus that was
 * unreachable) cannot leave a profile cached that changed meanwhile: anything
 * older has expired anyway.
 */
export function watchProfileChanges(bus: EventBus, cache: ProfileCache, ttlMs: number, now: () => number = Date.now): Promise<EventSubscription> {
  return bus.watch({
    since: new Date(now() - ttlMs),
    handle: (event) => cache.invalidate(profilesChangedBy(event)),
  });
}

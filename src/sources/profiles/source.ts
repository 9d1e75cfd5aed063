import type { CacheLookupResult } from '../../cache/cache-aside.js';
import type { CallRecorder } from '../../telemetry/calls.js';
import type { ProfileCache } from './cache.js';
import { fillProfile, type ProfileReads } from './fill.js';
import type { ProfileModel } from './model.js';

/**
 * Profiles as one request sees them: read through the shared profile cache,
 * filled through the request's sources on a miss, each lookup recorded for
 * `extensions.calls`; and `invalidate`, the hook the sources' writes call.
 */
export class ProfilesSource {
  constructor(
    private readonly cache: ProfileCache,
    private readonly reads: ProfileReads,
    private readonly calls: CallRecorder,
  ) {}

  /** The profile of `userId`: cached, or read from five services and then cached. NOT_FOUND when there is no such user. */
  async load(userId: string): Promise<ProfileModel> {
    const onLookup = this.calls.enabled ? (result: CacheLookupResult) => this.calls.cacheEntry('profile', userId, result) : undefined;
    const profile = await this.cache.load(userId, () => fillProfile(this.reads, userId), onLookup);
    // Later `post(id)` reads in this request need no second RPC (a miss primed them already, through the author page).
    if (profile.recentPosts.ok) this.reads.posts.prime(profile.recentPosts.value);
    // And their likesCount fields none either: a warm profile is answered without any RPC.
    if (profile.recentLikesCounts.ok) this.reads.posts.primeLikesCounts(profile.recentLikesCounts.value);
    return profile;
  }

  /** Drops the cached profiles of `userIds` on every replica: see `InvalidateProfiles` for which writes call it. */
  async invalidate(userIds: readonly string[]): Promise<void> {
    if (this.calls.enabled) for (const userId of new Set(userIds)) this.calls.cacheEntry('profile', userId, 'invalidate');
    await this.cache.invalidate(userIds);
  }
}

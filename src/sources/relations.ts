import type DataLoader from 'dataloader';
import type { FollowStats, UserIdPage } from '../../generated/proto/pinstack/relations/v1/relations.js';
import { MAX_FEED_AUTHORS, MAX_FOLLOWING_PAGE_SIZE } from '../../platform/rules/index.js';
import type { Viewer } from '../auth/viewer.js';
import type { ServiceApis } from '../grpc/service-apis.js';
import { keyedLoader, orderedLoader, pageLoader, type BatchSettings, type PageArgs, type PageKey } from './batching.js';
import type { InvalidateProfiles } from './profiles/invalidation.js';

/** Page size used to read a whole following list: the largest the relations service allows. */
const FOLLOWING_PAGE_SIZE = MAX_FOLLOWING_PAGE_SIZE;

/** Follower and following counts of a user. */
export interface FollowCounts {
  followersCount: number;
  followingCount: number;
}

/**
 * The relations service as one request sees it: counts, the viewer's follow
 * state and follower lists (batched), and follow and unfollow, which drop the
 * cached profiles of both users and what this request knew of their follows.
 */
export class RelationsSource {
  /** Follower and following counts by user id over `BatchGetFollowStats`. */
  private readonly followStatsByUserId: DataLoader<string, FollowStats | null>;
  /** Whether the viewer follows each user, over `BatchGetFollowStatus`. */
  private readonly viewerFollowsUserId: DataLoader<string, boolean>;
  /** Pages of a user's followers over `BatchListFollowers`. */
  private readonly followersOf: DataLoader<PageKey, UserIdPage, string>;
  /** Pages of the accounts a user follows over `BatchListFollowing`. */
  private readonly followingOf: DataLoader<PageKey, UserIdPage, string>;

  constructor(
    private readonly api: ServiceApis['relations'],
    private readonly viewer: Viewer | null,
    batching: BatchSettings,
    private readonly invalidateProfiles: InvalidateProfiles,
  ) {
    const pageRequests = (keys: readonly PageKey[]) => keys.map((key) => ({ userId: key.id, pageSize: key.first, pageToken: key.after }));
    this.followStatsByUserId = keyedLoader(
      async (userIds) => (await api.batchGetFollowStats({ userIds }, { batch: userIds.length })).stats,
      (stats) => stats.userId,
      { name: 'followStatsByUserId', ...batching },
    );
    this.viewerFollowsUserId = orderedLoader(
      async (userIds) => {
        if (!viewer) return userIds.map(() => false);
        const { statuses } = await api.batchGetFollowStatus({ followerId: viewer.id, userIds }, { batch: userIds.length });
        const following = new Set(statuses.filter((status) => status.following).map((status) => status.userId));
        return userIds.map((id) => following.has(id));
      },
      { name: 'viewerFollowsUserId', ...batching },
    );
    this.followersOf = pageLoader(
      async (keys) => (await api.batchListFollowers({ requests: pageRequests(keys) }, { fields: { page_token: 'after', page_size: 'first' }, batch: keys.length })).pages,
      { name: 'followersOf', ...batching },
    );
    this.followingOf = pageLoader(
      async (keys) => (await api.batchListFollowing({ requests: pageRequests(keys) }, { fields: { page_token: 'after', page_size: 'first' }, batch: keys.length })).pages,
      { name: 'followingOf', ...batching },
    );
  }

  /** `userId`'s follower and following counts; 0 when the service knows none. */
  async followCounts(userId: string): Promise<FollowCounts> {
    const stats = await this.followStatsByUserId.load(userId);
    return { followersCount: stats?.followersCount ?? 0, followingCount: stats?.followingCount ?? 0 };
  }

  /** Whether the viewer follows `userId`; false, without an RPC, when anonymous or when it is the viewer. */
  isFollowedByViewer(userId: string): Promise<boolean> | false {
    return this.viewer && this.viewer.id !== userId ? this.viewerFollowsUserId.load(userId) : false;
  }

  /** A page of `userId`'s followers, newest first. */
  followers(userId: string, page: PageArgs): Promise<UserIdPage> {
    return this.followersOf.load({ id: userId, first: page.first, after: page.after ?? '' });
  }

  /** A page of the accounts `userId` follows, newest first. */
  following(userId: string, page: PageArgs): Promise<UserIdPage> {
    return this.followingOf.load({ id: userId, first: page.first, after: page.after ?? '' });
  }

  /**
   * The ids of every account `userId` follows (at most `MAX_FEED_AUTHORS`),
   * read one large page at a time: the authors of `userId`'s feed.
   */
  async followedIds(userId: string): Promise<string[]> {
    const ids: string[] = [];
    let after = '';
    for (;;) {
      const page = await this.followingOf.load({ id: userId, first: FOLLOWING_PAGE_SIZE, after });
      ids.push(...page.userIds);
      const next = page.cursors.at(-1);
      if (!page.hasNextPage || !next || ids.length >= MAX_FEED_AUTHORS) return ids.slice(0, MAX_FEED_AUTHORS);
      after = next;
    }
  }

  /** `followerId` follows `followeeId`; both cached profiles are dropped (their counts changed). */
  follow(followerId: string, followeeId: string): Promise<void> {
    return this.change('follow', followerId, followeeId);
  }

  /** `followerId` no longer follows `followeeId`; both cached profiles are dropped (their counts changed). */
  unfollow(followerId: string, followeeId: string): Promise<void> {
    return this.change('unfollow', followerId, followeeId);
  }

  private async change(change: 'follow' | 'unfollow', followerId: string, followeeId: string): Promise<void> {
    await this.api[change]({ followerId, followeeId }, { fields: { followee_id: 'userId' } });
    await this.invalidateProfiles([followerId, followeeId]);
    // What this request read of their follows is stale too.
    this.followStatsByUserId.clear(followerId).clear(followeeId);
    this.viewerFollowsUserId.clear(followeeId);
    this.followingOf.clearAll();
    this.followersOf.clearAll();
  }
}

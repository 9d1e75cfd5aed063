import { status } from '@grpc/grpc-js';
import { RecommendationsServiceService } from '../../generated/proto/pinstack/recommendations/v1/recommendations.js';
import { RpcError, invalidArgument } from '../common/errors.js';
import { createLogger, type Logger } from '../common/logger.js';
import { pageSize } from '../common/pagination.js';
import { bindService, type ServiceBinding } from '../common/server.js';
import { cachedFollowingSource } from './following-cache.js';
import type { FollowingSource } from './following-source.js';
import { rankFriendsOfFriends } from './ranking.js';

export const DEFAULT_LIMIT = 10;
export const MAX_LIMIT = 50;
/** Most users one call may ask about: each costs a fan-out over their follows. */
export const MAX_USERS = 100;

export interface RecommendationsServiceDeps {
  /** The follow graph; the service puts its own cache in front of it. */
  following: FollowingSource;
  /** How long a following list is reused; default 30 s. */
  cacheTtlMs?: number;
  /** The clock of the cache, in milliseconds. */
  now?: () => number;
  logger?: Logger;
}

/**
 * The recommendations service: "friends of friends" suggestions read from the
 * follow graph (see `rankFriendsOfFriends`). It is non-critical by design:
 * when the graph cannot be read it answers UNAVAILABLE and the gateway shows
 * no suggestions rather than failing the page.
 */
export function createRecommendationsService({
  following,
  cacheTtlMs = 30_000,
  now = Date.now,
  logger = createLogger('recommendations'),
}: RecommendationsServiceDeps): ServiceBinding {
  const graph = cachedFollowingSource(following, { ttlMs: cacheTtlMs, now });

  return bindService(RecommendationsServiceService, {
    async batchGetRecommendations({ userIds, limit: requested }) {
      const limit = pageSize(requested, { defaultSize: DEFAULT_LIMIT, max: MAX_LIMIT, field: 'limit' });
      if (userIds.length > MAX_USERS) {
        throw invalidArgument('user_ids', `user_ids may name at most ${MAX_USERS} users, got ${userIds.length}`);
      }
      const users = [...new Set(userIds)].filter((userId) => userId !== '');

      const ranked = new Map<string, string[]>();
      try {
        // Two reads, however many users: their follows, then their followees' follows.
        const direct = await graph.following(users);
        const followees = new Set<string>();
        for (const list of direct.values()) for (const followee of list) followees.add(followee);
        const secondDegree = await graph.following([...followees]);
        const followingOf = (userId: string) => secondDegree.get(userId) ?? [];
        for (const userId of users) {
          ranked.set(userId, rankFriendsOfFriends(userId, direct.get(userId) ?? [], followingOf, limit));
        }
      } catch (error: unknown) {
        logger.warn({ err: error }, 'could not read the follow graph');
        throw new RpcError(status.UNAVAILABLE, 'the follow graph is unavailable');
      }

      return {
        recommendations: userIds.map((userId) => ({ userId, recommendedUserIds: ranked.get(userId) ?? [] })),
      };
    },
  });
}

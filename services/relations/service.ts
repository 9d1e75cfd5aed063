import {
  RelationsServiceService,
  type ListRequest,
  type UserIdPage,
} from '../../generated/proto/pinstack/relations/v1/relations.js';
import { invalidArgument } from '../common/errors.js';
import { requireActor } from '../common/caller.js';
import type { Logger } from '../common/logger.js';
import { decodeCursor, encodeCursor, MAX_PAGE_SIZE, pageSize } from '../common/pagination.js';
import { bindService, type ServiceBinding } from '../common/server.js';
import { createEvent } from '../../platform/events/index.js';
import type { Follow, FollowListQuery, FollowPage, RelationsRepository } from './repository.js';
import { MAX_FOLLOWING_PAGE_SIZE, MAX_LIST_REQUESTS, checkUserId, checkUserIds } from './validation.js';

export interface RelationsServiceDeps {
  repository: RelationsRepository;
  /** The clock that stamps follows; tests pass a fixed one. */
  now?: () => Date;
  logger?: Logger;
}

/** The RelationsService handlers over `deps.repository`. */
export function createRelationsService(deps: RelationsServiceDeps): ServiceBinding {
  const { repository } = deps;
  const now = deps.now ?? (() => new Date());

  return bindService(RelationsServiceService, {
    async follow(request, call) {
      const followerId = checkUserId(request.followerId, 'follower_id');
      const followeeId = checkUserId(request.followeeId, 'followee_id');
      requireActor(call, followerId, { field: 'follower_id' });
      if (followerId === followeeId) throw invalidArgument('followee_id', 'a user cannot follow themselves');
      const at = now();
      // Only a new follow is news (user.followed, through the outbox); following again changes nothing and says nothing.
      const created = await repository.follow(followerId, followeeId, at, () => [
        createEvent({ type: 'user.followed', actor: followerId, subject: followeeId, payload: { followerId, followeeId }, at }),
      ]);
      return { created };
    },

    async unfollow(request, call) {
      const followerId = checkUserId(request.followerId, 'follower_id');
      const followeeId = checkUserId(request.followeeId, 'followee_id');
      requireActor(call, followerId, { field: 'follower_id' });
      const removed = await repository.unfollow(followerId, followeeId, () => [
        createEvent({ type: 'user.unfollowed', actor: followerId, subject: followeeId, payload: { followerId, followeeId }, at: now() }),
      ]);
      return { removed };
    },

    async batchGetFollowStats(request) {
      const userIds = checkUserIds(request.userIds, 'user_ids');
      const counts = await repository.countMany(userIds);
      return {
        stats: userIds.map((userId, at) => ({
          userId,
          followersCount: counts[at]!.followers,
          followingCount: counts[at]!.following,
        })),
      };
    },

    async batchGetFollowStatus(request) {
      const followerId = checkUserId(request.followerId, 'follower_id');
      const userIds = checkUserIds(request.userIds, 'user_ids');
      const following = await repository.isFollowing(followerId, userIds);
      return { statuses: userIds.map((userId, at) => ({ userId, following: following[at]! })) };
    },

    async batchListFollowers({ requests }) {
      const queries = listQueries(requests, MAX_PAGE_SIZE);
      const pages = await Promise.all(queries.map((query) => repository.listFollowers(query)));
      return { pages: pages.map((page) => toUserIdPage(page, (follow) => follow.followerId)) };
    },

    async batchListFollowing({ requests }) {
      const queries = listQueries(requests, MAX_FOLLOWING_PAGE_SIZE);
      const pages = await Promise.all(queries.map((query) => repository.listFollowing(query)));
      return { pages: pages.map((page) => toUserIdPage(page, (follow) => follow.followeeId)) };
    },
  });
}

/**
 * Checks every entry before any is read, naming a bad field with its index
 * (`requests[2].page_token`), so the caller can tell which entry was wrong.
 */
function listQueries(requests: readonly ListRequest[], maxPageSize: number): FollowListQuery[] {
  if (requests.length > MAX_LIST_REQUESTS) {
    throw invalidArgument('requests', `at most ${MAX_LIST_REQUESTS} requests per call`);
  }
  return requests.map((request, at) => {
    const field = (name: string) => `requests[${at}].${name}`;
    return {
      userId: checkUserId(request.userId, field('user_id')),
      limit: pageSize(request.pageSize, { max: maxPageSize, field: field('page_size') }),
      beforeSequence: sequenceFromToken(request.pageToken, field('page_token')),
    };
  });
}

/** The follow sequence a cursor points at; null for an empty token (the first page). */
function sequenceFromToken(token: string, field: string): number | null {
  const key = decodeCursor(token, 1, field);
  if (key === null) return null;
  const [sequence] = key;
  if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 1) {
    throw invalidArgument(field, `${field} is not a valid cursor`);
  }
  return sequence;
}

function toUserIdPage(page: FollowPage, userIdOf: (follow: Follow) => string): UserIdPage {
  return {
    userIds: page.follows.map(userIdOf),
    cursors: page.follows.map((follow) => encodeCursor([follow.sequence])),
    hasNextPage: page.hasNextPage,
  };
}

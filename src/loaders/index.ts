import type DataLoader from 'dataloader';
import type { LikeStats, Post, PostPage } from '../../generated/proto/pinstack/posts/v1/posts.js';
import type { FollowStats, UserIdPage } from '../../generated/proto/pinstack/relations/v1/relations.js';
import type { User } from '../../generated/proto/pinstack/users/v1/users.js';
import type { Viewer } from '../auth/viewer.js';
import type { ServiceApis } from '../grpc/service-apis.js';
import { keyedLoader, orderedLoader, pageLoader, type BatchObserver, type ItemBudget, type PageKey } from './keyed.js';

/** How many recommendations a profile shows. */
export const RECOMMENDATIONS_LIMIT = 10;

/**
 * The DataLoaders of one request, each named for what it loads and backed by one
 * batch RPC. Built fresh per request, so the cache never outlives the request
 * nor crosses viewers.
 */
export interface Loaders {
  /** Users by id over `BatchGetUsers`. */
  usersById: DataLoader<string, User | null>;
  /** Posts by id over `BatchGetPosts`. */
  postsById: DataLoader<string, Post | null>;
  /** Like counts and the viewer's like, by post id, over `BatchGetLikeStats`. */
  likeStatsByPostId: DataLoader<string, LikeStats | null>;
  /** Follower and following counts by user id over `BatchGetFollowStats`. */
  followStatsByUserId: DataLoader<string, FollowStats | null>;
  /** Whether the viewer follows each user, over `BatchGetFollowStatus`. */
  viewerFollowsUserId: DataLoader<string, boolean>;
  /** Pages of an author's posts over `BatchListPostsByAuthor`. */
  postsByAuthor: DataLoader<PageKey, PostPage, string>;
  /** Pages of a user's followers over `BatchListFollowers`. */
  followersOf: DataLoader<PageKey, UserIdPage, string>;
  /** Pages of the accounts a user follows over `BatchListFollowing`. */
  followingOf: DataLoader<PageKey, UserIdPage, string>;
  /** Recommended user ids by user id over `BatchGetRecommendations`. */
  recommendationsFor: DataLoader<string, string[]>;
}

export type { PageKey } from './keyed.js';

/**
 * Builds the loaders of one request for `viewer`. Each batch is traced as
 * `dataloader.batch <loader>`, with `onBatch` counted by its size, and with
 * `budget` paid for (its keys, or its pages' sizes) before it is sent.
 */
export function createLoaders(services: ServiceApis, viewer: Viewer | null, onBatch?: BatchObserver, budget?: ItemBudget): Loaders {
  const named = (name: keyof Loaders) => ({ name, onBatch, budget });
  const postsById = keyedLoader(
    async (ids) => (await services.posts.batchGetPosts({ ids })).posts,
    (post) => post.id,
    named('postsById'),
  );
  const pageRequests = (keys: readonly PageKey[]) =>
    keys.map((key) => ({ userId: key.id, pageSize: key.first, pageToken: key.after }));

  return {
    usersById: keyedLoader(
      async (ids) => (await services.users.batchGetUsers({ ids })).users,
      (user) => user.id,
      named('usersById'),
    ),
    postsById,
    likeStatsByPostId: keyedLoader(
      async (postIds) => (await services.posts.batchGetLikeStats({ postIds, viewerId: viewer?.id ?? '' })).stats,
      (stats) => stats.postId,
      named('likeStatsByPostId'),
    ),
    followStatsByUserId: keyedLoader(
      async (userIds) => (await services.relations.batchGetFollowStats({ userIds })).stats,
      (stats) => stats.userId,
      named('followStatsByUserId'),
    ),
    viewerFollowsUserId: orderedLoader(async (userIds) => {
      if (!viewer) return userIds.map(() => false);
      const { statuses } = await services.relations.batchGetFollowStatus({ followerId: viewer.id, userIds });
      const following = new Set(statuses.filter((status) => status.following).map((status) => status.userId));
      return userIds.map((id) => following.has(id));
    }, named('viewerFollowsUserId')),
    postsByAuthor: pageLoader(async (keys) => {
      const { pages } = await services.posts.batchListPostsByAuthor(
        { requests: keys.map((key) => ({ authorId: key.id, pageSize: key.first, pageToken: key.after })) },
        { fields: { page_token: 'after' } },
      );
      // The pages carry whole posts: later `post(id)` reads need no second RPC.
      for (const page of pages) for (const post of page.posts) postsById.prime(post.id, post);
      return pages;
    }, named('postsByAuthor')),
    followersOf: pageLoader(
      async (keys) =>
        (await services.relations.batchListFollowers({ requests: pageRequests(keys) }, { fields: { page_token: 'after' } })).pages,
      named('followersOf'),
    ),
    followingOf: pageLoader(
      async (keys) =>
        (await services.relations.batchListFollowing({ requests: pageRequests(keys) }, { fields: { page_token: 'after' } })).pages,
      named('followingOf'),
    ),
    recommendationsFor: orderedLoader(async (userIds) => {
      const { recommendations } = await services.recommendations.batchGetRecommendations({
        userIds,
        limit: RECOMMENDATIONS_LIMIT,
      });
      const byUser = new Map(recommendations.map((entry) => [entry.userId, entry.recommendedUserIds]));
      return userIds.map((id) => byUser.get(id) ?? []);
    }, named('recommendationsFor')),
  };
}

import type { User } from '../../../generated/proto/pinstack/users/v1/users.js';
import { NotFoundError } from '../../errors.js';
import type { PostsSource } from '../posts.js';
import type { RecommendationsSource } from '../recommendations.js';
import type { RelationsSource } from '../relations.js';
import type { UsersSource } from '../users.js';
import { withoutPrivateFields } from './codec.js';
import { settlePart, type ProfileModel } from './model.js';

/** How many posts a profile page shows. */
export const RECENT_POSTS = 12;

/** The reads a profile is filled through: the request's own sources, so a fill batches with the rest of the request. */
export interface ProfileReads {
  users: Pick<UsersSource, 'byId' | 'byIds'>;
  posts: Pick<PostsSource, 'byAuthor' | 'prime' | 'likesCount' | 'primeLikesCounts'>;
  relations: Pick<RelationsSource, 'followCounts'>;
  recommendations: Pick<RecommendationsSource, 'forUser'>;
}

/**
 * Reads the whole viewer-independent profile of `userId` through the
 * request's sources: the user, the recent posts, the counts and the
 * recommendations, and the recent posts' like counts, all started at once
 * (one RPC per service, plus one BatchGetUsers for the recommended accounts and
 * one BatchGetLikeStats for the posts). What it returns may be cached
 * and shared with other viewers, so it holds nothing that depends on who asks.
 * NOT_FOUND when there is no such user; any other part that fails is kept as
 * that part's error.
 */
export async function fillProfile(reads: ProfileReads, userId: string): Promise<ProfileModel> {
  const recentPostsRead = reads.posts.byAuthor(userId, { first: RECENT_POSTS }).then((page) => page.posts);
  const [user, recentPosts, recentLikesCounts, followStats, recommendations] = await Promise.all([
    reads.users.byId(userId),
    settlePart(recentPostsRead),
    // Through the request's like-stats loader: the same batch the posts' likesCount fields would send.
    settlePart(recentPostsRead.then(likesCountsOf(reads))),
    settlePart(reads.relations.followCounts(userId)),
    settlePart(
      reads.recommendations
        .forUser(userId)
        .then((ids) => reads.users.byIds(ids))
        .then((users) => users.filter((entry): entry is User => entry !== null).map(withoutPrivateFields)),
    ),
  ]);
  if (!user) throw new NotFoundError(`There is no user ${userId}.`);
  return { user: withoutPrivateFields(user), recentPosts, recentLikesCounts, followStats, recommendations };
}

/** The like counts of `posts`, by post id, read in one batch. */
function likesCountsOf(reads: ProfileReads): (posts: readonly { id: string }[]) => Promise<Record<string, number>> {
  return async (posts) => {
    const counts = await Promise.all(posts.map((post) => reads.posts.likesCount(post.id)));
    return Object.fromEntries(posts.map((post, at) => [post.id, counts[at]!]));
  };
}

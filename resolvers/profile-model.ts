import type { User as UserMessage } from '../generated/proto/pinstack/users/v1/users.js';
import { withoutPrivateFields } from '../src/cache/profile-codec.js';
import type { GatewayContext } from '../src/context.js';
import { NotFoundError } from '../src/errors.js';
import type { ProfileModel } from './models.js';

/** How many posts a profile page shows. */
export const RECENT_POSTS = 12;

/**
 * Reads the whole viewer-independent profile of `userId` through the request's
 * loaders: the user, the recent posts, the counts and the recommendations, all
 * started at once (one RPC per service, plus one BatchGetUsers for the
 * recommended accounts). What it returns may be cached and shared with other
 * viewers, so it holds nothing that depends on who asks.
 */
export async function fetchProfile(context: GatewayContext, userId: string): Promise<ProfileModel> {
  const { loaders } = context;
  const [user, recentPosts, followStats, recommendations] = await Promise.all([
    loaders.usersById.load(userId),
    settle(loaders.postsByAuthor.load({ id: userId, first: RECENT_POSTS, after: '' }).then((page) => page.posts)),
    settle(
      loaders.followStatsByUserId
        .load(userId)
        .then((stats) => ({ followersCount: stats?.followersCount ?? 0, followingCount: stats?.followingCount ?? 0 })),
    ),
    settle(
      loaders.recommendationsFor
        .load(userId)
        .then((ids) => loaders.usersById.loadMany(ids))
        .then((users) => users.filter((entry): entry is UserMessage => entry !== null && !(entry instanceof Error))),
    ),
  ]);
  if (!user) throw new NotFoundError(`There is no user ${userId}.`);
  return {
    user: withoutPrivateFields(user),
    recentPosts,
    followStats,
    recommendations: recommendations instanceof Error ? recommendations : recommendations.map(withoutPrivateFields),
  };
}

/** A part of the profile that may fail alone: its error is kept and reported at its own field. */
function settle<T>(promise: Promise<T>): Promise<T | Error> {
  return promise.catch((error: unknown) => (error instanceof Error ? error : new Error(String(error))));
}

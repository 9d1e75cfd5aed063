import { responsePathAsArray } from 'graphql';
import type { ProfileResolvers } from '../generated/graphql/resolvers-types.js';
import type { User as UserMessage } from '../generated/proto/pinstack/users/v1/users.js';
import { GatewayError } from '../src/errors.js';

/** How many posts a profile page shows. */
const RECENT_POSTS = 12;

export const Profile: ProfileResolvers = {
  user: (profile) => profile.user,
  recentPosts: async (profile, _args, context) =>
    (await context.loaders.postsByAuthor.load({ id: profile.user.id, first: RECENT_POSTS, after: '' })).posts,
  followersCount: async (profile, _args, context) =>
    (await context.loaders.followStatsByUserId.load(profile.user.id))?.followersCount ?? 0,
  followingCount: async (profile, _args, context) =>
    (await context.loaders.followStatsByUserId.load(profile.user.id))?.followingCount ?? 0,
  // Recommendations are non-critical: when they fail the profile still renders,
  // with an empty list and the error reported beside the data.
  recommendations: async (profile, _args, context, info) => {
    try {
      const ids = await context.loaders.recommendationsFor.load(profile.user.id);
      const users = await context.loaders.usersById.loadMany(ids);
      return users.filter((user): user is UserMessage => user !== null && !(user instanceof Error));
    } catch (error) {
      if (!(error instanceof GatewayError)) throw error;
      context.degraded.report(error, responsePathAsArray(info.path));
      return [];
    }
  },
};

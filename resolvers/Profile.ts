import { responsePathAsArray } from 'graphql';
import type { ProfileResolvers } from '../generated/graphql/resolvers-types.js';
import { degradeNonCritical } from '../src/resilience/criticality.js';

/**
 * Profile fields read the profile `Query.profile` loaded (from the cache or the
 * services). Only the user's owner-only fields are not in it: the owner gets
 * the user fresh from the users service, so an e-mail never passes through the cache.
 */
export const Profile: ProfileResolvers = {
  user: async (profile, _args, context) => {
    const { id } = profile.user;
    const isOwner = context.viewer?.id === id || context.signedIn.has(id);
    return (isOwner ? await context.loaders.usersById.load(id) : null) ?? profile.user;
  },
  recentPosts: (profile, _args, context) => {
    if (profile.recentPosts instanceof Error) throw profile.recentPosts;
    // Later `post(id)` reads in this request need no second RPC.
    for (const post of profile.recentPosts) context.loaders.postsById.prime(post.id, post);
    return profile.recentPosts;
  },
  followersCount: (profile) => {
    if (profile.followStats instanceof Error) throw profile.followStats;
    return profile.followStats.followersCount;
  },
  followingCount: (profile) => {
    if (profile.followStats instanceof Error) throw profile.followStats;
    return profile.followStats.followingCount;
  },
  // Recommendations are non-critical (see SERVICE_CRITICALITY): when they fail
  // the profile still renders, with an empty list and the error reported beside the data.
  recommendations: (profile, _args, context, info) => {
    if (!(profile.recommendations instanceof Error)) return profile.recommendations;
    return degradeNonCritical('recommendations', profile.recommendations, [], context.degraded, responsePathAsArray(info.path));
  },
};

import { responsePathAsArray } from 'graphql';
import type { ProfileResolvers } from '../generated/graphql/resolvers-types.js';
import { degradeNonCritical } from '../src/resilience/criticality.js';
import { partValue } from '../src/sources/profiles/index.js';

/**
 * Profile fields read the profile `Query.profile` loaded (from the cache or the
 * services); a part that could not be read fails its own field. Only the
 * user's owner-only fields are not in it: the owner gets the user fresh from
 * the users service, so an e-mail never passes through the cache.
 */
export const Profile: ProfileResolvers = {
  user: async (profile, _args, context) => {
    const { id } = profile.user;
    const isOwner = context.viewer?.id === id || context.signedIn.has(id);
    return (isOwner ? await context.sources.users.byId(id) : null) ?? profile.user;
  },
  recentPosts: (profile) => partValue(profile.recentPosts),
  followersCount: (profile) => partValue(profile.followStats).followersCount,
  followingCount: (profile) => partValue(profile.followStats).followingCount,
  // Recommendations are non-critical (see SERVICE_CRITICALITY): when they fail
  // the profile still renders, with an empty list and the error reported beside the data.
  recommendations: (profile, _args, context, info) => {
    if (profile.recommendations.ok) return profile.recommendations.value;
    return degradeNonCritical('recommendations', profile.recommendations.error, [], context.degraded, responsePathAsArray(info.path));
  },
};

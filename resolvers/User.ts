import type { UserEdgeResolvers, UserResolvers } from '../generated/graphql/resolvers-types.js';
import { InternalServerError } from '../src/errors.js';
import { parseArgs } from '../src/validation/parse.js';
import { pageArgs } from '../src/validation/rules.js';
import { postConnection, userConnection } from './connections.js';

/** User fields: the profile comes from users; counts, follow state and lists from relations and posts. */
export const User: UserResolvers = {
  avatarUrl: (user) => user.avatarUrl || null,
  // Owner only: the `isSelf` rule in src/permissions guards it.
  email: (user) => user.email,
  createdAt: (user) => {
    if (!user.createdAt) throw new InternalServerError('A user came without its creation time.');
    return user.createdAt;
  },
  followersCount: async (user, _args, context) => (await context.loaders.followStatsByUserId.load(user.id))?.followersCount ?? 0,
  followingCount: async (user, _args, context) => (await context.loaders.followStatsByUserId.load(user.id))?.followingCount ?? 0,
  isFollowedByViewer: (user, _args, context) =>
    context.viewer && context.viewer.id !== user.id ? context.loaders.viewerFollowsUserId.load(user.id) : false,
  posts: async (user, args, context) => {
    const { first, after } = parseArgs(pageArgs, args);
    return postConnection(await context.loaders.postsByAuthor.load({ id: user.id, first, after: after ?? '' }));
  },
  followers: async (user, args, context) => {
    const { first, after } = parseArgs(pageArgs, args);
    return userConnection(await context.loaders.followersOf.load({ id: user.id, first, after: after ?? '' }));
  },
  following: async (user, args, context) => {
    const { first, after } = parseArgs(pageArgs, args);
    return userConnection(await context.loaders.followingOf.load({ id: user.id, first, after: after ?? '' }));
  },
};

export const UserEdge: UserEdgeResolvers = {
  node: (edge, _args, context) => context.loaders.usersById.load(edge.userId),
};

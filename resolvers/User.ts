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
  followersCount: async (user, _args, context) => (await context.sources.relations.followCounts(user.id)).followersCount,
  followingCount: async (user, _args, context) => (await context.sources.relations.followCounts(user.id)).followingCount,
  isFollowedByViewer: (user, _args, context) => context.sources.relations.isFollowedByViewer(user.id),
  posts: async (user, args, context) => postConnection(await context.sources.posts.byAuthor(user.id, parseArgs(pageArgs, args))),
  followers: async (user, args, context) => userConnection(await context.sources.relations.followers(user.id, parseArgs(pageArgs, args))),
  following: async (user, args, context) => userConnection(await context.sources.relations.following(user.id, parseArgs(pageArgs, args))),
};

export const UserEdge: UserEdgeResolvers = {
  node: (edge, _args, context) => context.sources.users.byId(edge.userId),
};

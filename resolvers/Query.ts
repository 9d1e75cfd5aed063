import type { QueryResolvers } from '../generated/graphql/resolvers-types.js';
import { requireViewer } from '../src/auth/require-viewer.js';
import { parseArgs } from '../src/validation/parse.js';
import * as rules from '../src/validation/rules.js';
import { z } from 'zod';
import { postConnection } from './connections.js';
import { notificationConnection } from './Notification.js';

const pageArgs = rules.pageArgs;

/** Root queries: each validates its arguments, then reads through the request's sources. */
export const Query: QueryResolvers = {
  me: async (_parent, _args, context) => context.sources.users.byId(requireViewer(context).id),

  user: async (_parent, args, context) => {
    const { id } = parseArgs(z.object({ id: rules.id }), args);
    return context.sources.users.byId(id);
  },

  users: async (_parent, args, context) => {
    const { ids } = parseArgs(z.object({ ids: rules.ids }), args);
    return context.sources.users.byIds(ids);
  },

  searchUsers: async (_parent, args, context) => {
    const { query, first } = parseArgs(z.object({ query: rules.searchQuery, first: rules.first }), args);
    return context.sources.users.search(query, first);
  },

  post: async (_parent, args, context) => {
    const { id } = parseArgs(z.object({ id: rules.id }), args);
    return context.sources.posts.byId(id);
  },

  feed: async (_parent, args, context) => {
    const viewer = requireViewer(context);
    const page = parseArgs(pageArgs, args);
    const authorIds = await context.sources.relations.followedIds(viewer.id);
    return postConnection(await context.sources.posts.feed(authorIds, page));
  },

  profile: async (_parent, args, context) => {
    const { userId } = parseArgs(z.object({ userId: rules.id }), args);
    return context.sources.profiles.load(userId);
  },

  notifications: async (_parent, args, context) => {
    const viewer = requireViewer(context);
    const { first, after, unreadOnly } = parseArgs(pageArgs.extend({ unreadOnly: z.boolean().nullish() }), args);
    return notificationConnection(await context.sources.notifications.list(viewer.id, { first, after, unreadOnly: unreadOnly ?? false }));
  },
};

import type { QueryResolvers } from '../generated/graphql/resolvers-types.js';
import { requireViewer } from '../src/auth/require-viewer.js';
import { parseArgs } from '../src/validation/parse.js';
import * as rules from '../src/validation/rules.js';
import { z } from 'zod';
import { postConnection } from './connections.js';
import { notificationConnection } from './Notification.js';

// Schemas are built once: zod compiles a schema on its first parse, so one built per call
// would be compiled again for every request.
const pageArgs = rules.pageArgs;
const idArgs = z.object({ id: rules.id });
const idsArgs = z.object({ ids: rules.ids });
const searchArgs = z.object({ query: rules.searchQuery, first: rules.first });
const userIdArgs = z.object({ userId: rules.id });
const notificationsArgs = pageArgs.extend({ unreadOnly: z.boolean().nullish() });

/** Root queries: each validates its arguments, then reads through the request's sources. */
export const Query: QueryResolvers = {
  me: async (_parent, _args, context) => context.sources.users.byId(requireViewer(context).id),

  user: async (_parent, args, context) => {
    const { id } = parseArgs(idArgs, args);
    return context.sources.users.byId(id);
  },

  users: async (_parent, args, context) => {
    const { ids } = parseArgs(idsArgs, args);
    return context.sources.users.byIds(ids);
  },

  searchUsers: async (_parent, args, context) => {
    const { query, first } = parseArgs(searchArgs, args);
    return context.sources.users.search(query, first);
  },

  post: async (_parent, args, context) => {
    const { id } = parseArgs(idArgs, args);
    return context.sources.posts.byId(id);
  },

  feed: async (_parent, args, context) => {
    const viewer = requireViewer(context);
    const page = parseArgs(pageArgs, args);
    const authorIds = await context.sources.relations.followedIds(viewer.id);
    return postConnection(await context.sources.posts.feed(authorIds, page));
  },

  profile: async (_parent, args, context) => {
    const { userId } = parseArgs(userIdArgs, args);
    return context.sources.profiles.load(userId);
  },

  notifications: async (_parent, args, context) => {
    const viewer = requireViewer(context);
    const { first, after, unreadOnly } = parseArgs(notificationsArgs, args);
    return notificationConnection(await context.sources.notifications.list(viewer.id, { first, after, unreadOnly: unreadOnly ?? false }));
  },
};

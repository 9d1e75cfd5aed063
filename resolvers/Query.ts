import type { QueryResolvers } from '../generated/graphql/resolvers-types.js';
import { requireViewer } from '../src/auth/require-viewer.js';
import { parseArgs } from '../src/validation/parse.js';
import * as rules from '../src/validation/rules.js';
import { z } from 'zod';
import { postConnection } from './connections.js';
import { notificationConnection } from './Notification.js';
import { followedAuthorIds } from './feed.js';
import { fetchProfile } from './profile-model.js';

const pageArgs = rules.pageArgs;

/** Root queries: each validates its arguments, then reads through the request's loaders. */
export const Query: QueryResolvers = {
  me: async (_parent, _args, context) => context.loaders.usersById.load(requireViewer(context).id),

  user: async (_parent, args, context) => {
    const { id } = parseArgs(z.object({ id: rules.id }), args);
    return context.loaders.usersById.load(id);
  },

  users: async (_parent, args, context) => {
    const { ids } = parseArgs(z.object({ ids: rules.ids }), args);
    return context.loaders.usersById.loadMany(ids).then((users) => users.map((user) => (user instanceof Error ? null : user)));
  },

  searchUsers: async (_parent, args, context) => {
    const { query, first } = parseArgs(z.object({ query: rules.searchQuery, first: rules.first }), args);
    // A page is paid for before it is fetched, like the loaders' batches.
    context.budget.spendItems(first);
    const { users } = await context.services.users.searchUsers({ query, pageSize: first }, { fields: { page_size: 'first' } });
    for (const user of users) context.loaders.usersById.prime(user.id, user);
    return users;
  },

  post: async (_parent, args, context) => {
    const { id } = parseArgs(z.object({ id: rules.id }), args);
    return context.loaders.postsById.load(id);
  },

  feed: async (_parent, args, context) => {
    const viewer = requireViewer(context);
    const { first, after } = parseArgs(pageArgs, args);
    const authorIds = await followedAuthorIds(context, viewer.id);
    if (authorIds.length === 0) return postConnection(undefined);
    context.budget.spendItems(first);
    const { page } = await context.services.posts.listFeed(
      { authorIds, pageSize: first, pageToken: after ?? '' },
      { fields: { page_token: 'after', page_size: 'first' } },
    );
    for (const post of page?.posts ?? []) context.loaders.postsById.prime(post.id, post);
    return postConnection(page);
  },

  profile: async (_parent, args, context) => {
    const { userId } = parseArgs(z.object({ userId: rules.id }), args);
    return context.profiles.load(userId, () => fetchProfile(context, userId));
  },

  notifications: async (_parent, args, context) => {
    const viewer = requireViewer(context);
    const { first, after, unreadOnly } = parseArgs(pageArgs.extend({ unreadOnly: z.boolean().nullish() }), args);
    context.budget.spendItems(first);
    const reply = await context.services.notifications.listNotifications(
      { recipientId: viewer.id, pageSize: first, pageToken: after ?? '', unreadOnly: unreadOnly ?? false },
      { fields: { page_token: 'after', page_size: 'first' } },
    );
    return notificationConnection(reply);
  },
};

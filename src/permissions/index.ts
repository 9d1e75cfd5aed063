import { allow, chain, deny, or, shield } from 'graphql-shield';
import type { GraphQLSchema } from 'graphql';
import { applyMiddleware } from 'graphql-middleware';
import { ForbiddenError, normalizeError } from '../errors.js';
import { hasAccount, hasRole, hasScope, isAuthenticated, isPostAuthor, isSelf } from './rules.js';

export { hasAccount, hasRole, hasScope, isAuthenticated, isPostAuthor, isSelf, isViewersAccount } from './rules.js';

/** Writes act as the viewer's account: it must still exist, and the token must allow writing. */
const canWrite = chain(hasAccount, hasScope('write'));

/**
 * The permission of every field of the schema, in the schema's own shape: one
 * entry per root field and per object field, none left to a wildcard. A field
 * missing here is denied (`fallbackRule: deny`), and a test walks the schema
 * so that a new field cannot ship without a decision.
 *
 * Public data (profiles, posts, counts) is `allow`; what belongs to the viewer
 * needs a viewer; writes need an account that still exists and the `write`
 * scope; `User.email` is the owner's only; `deletePost` is the author's or an
 * admin's.
 */
export const permissionRules = {
  Query: {
    me: hasAccount,
    user: allow,
    users: allow,
    post: allow,
    feed: isAuthenticated,
    profile: allow,
    searchUsers: allow,
    notifications: isAuthenticated,
  },
  Mutation: {
    register: allow,
    login: allow,
    refreshToken: allow,
    logout: allow,
    createPost: canWrite,
    deletePost: chain(canWrite, or(isPostAuthor, hasRole('admin'))),
    likePost: canWrite,
    unlikePost: canWrite,
    follow: canWrite,
    unfollow: canWrite,
    updateProfile: canWrite,
    markNotificationsRead: canWrite,
  },
  // The viewer's own live events; the account must still exist, as for `me`.
  Subscription: {
    notificationAdded: hasAccount,
    unreadNotificationCount: hasAccount,
  },
  AuthPayload: { accessToken: allow, refreshToken: allow, user: allow },
  PageInfo: { hasNextPage: allow, endCursor: allow },
  User: {
    id: allow,
    username: allow,
    displayName: allow,
    bio: allow,
    avatarUrl: allow,
    email: isSelf,
    createdAt: allow,
    followersCount: allow,
    followingCount: allow,
    isFollowedByViewer: allow,
    posts: allow,
    followers: allow,
    following: allow,
  },
  UserEdge: { cursor: allow, node: allow },
  UserConnection: { edges: allow, pageInfo: allow },
  Post: {
    id: allow,
    title: allow,
    description: allow,
    imageUrl: allow,
    author: allow,
    createdAt: allow,
    likesCount: allow,
    likedByViewer: allow,
  },
  PostEdge: { cursor: allow, node: allow },
  PostConnection: { edges: allow, pageInfo: allow },
  Profile: { user: allow, recentPosts: allow, followersCount: allow, followingCount: allow, recommendations: allow },
  // Reachable only through `notifications`, which already needs the viewer they belong to.
  Notification: { id: allow, kind: allow, actor: allow, post: allow, read: allow, createdAt: allow },
  NotificationEdge: { cursor: allow, node: allow },
  NotificationConnection: { edges: allow, pageInfo: allow, unreadCount: allow },
};

/**
 * graphql-shield's error for everything that is not a rule's own answer.
 * A plain denial (the fallback rule) is FORBIDDEN. `allowExternalErrors: false`
 * routes errors thrown by resolvers here too: `normalizeError` decides what
 * they mean, so those raised on purpose (NOT_FOUND, BAD_USER_INPUT,
 * SERVICE_UNAVAILABLE) pass unchanged and anything else becomes
 * INTERNAL_SERVER_ERROR with its cause kept for the log.
 */
function fallbackError(thrown: unknown): Error {
  if (thrown === null || thrown === undefined) return new ForbiddenError();
  return normalizeError(thrown).error;
}

/** The permission layer, deny by default. */
export const permissions = shield(permissionRules, {
  fallbackRule: deny,
  allowExternalErrors: false,
  // Debug mode would rethrow raw errors from rules and resolvers; it stays off
  // everywhere, production included, so what clients see is what tests see.
  debug: false,
  fallbackError,
});

/** What `permissions` generates for a schema: a wrapper per field, keyed by type and field name. */
type FieldMiddleware = Record<string, Record<string, unknown>>;

/**
 * `schema` with every field behind its permission rule, deny by default.
 *
 * Only fields whose rule is something other than `allow` are wrapped: shield
 * would wrap every field of the schema (about 350 resolver calls for a feed of
 * 50 posts), each with an extra promise, for nothing but an `allow`. A field
 * without a rule still gets the fallback `deny`, since it is not `allow`.
 * Errors thrown by unwrapped fields reach `formatGatewayError`, which reads
 * them with the same `normalizeError` as `fallbackError`.
 */
export function withPermissions(schema: GraphQLSchema): GraphQLSchema {
  // graphql-middleware wraps a field's `resolve` when it has one, and only
  // otherwise its `subscribe`: a subscription field with both would start its
  // stream unchecked, its rule running only on each event.
  for (const field of Object.values(schema.getSubscriptionType()?.getFields() ?? {})) {
    if (field.resolve && field.subscribe) {
      throw new Error(`Subscription.${field.name} has a resolve of its own, so its permission rule would not guard subscribe; give it none.`);
    }
  }
  const generated = permissions.generate(schema) as FieldMiddleware;
  const rules = permissionRules as Record<string, Record<string, unknown>>;
  const guarded: FieldMiddleware = {};
  for (const [typeName, fields] of Object.entries(generated)) {
    for (const [fieldName, middleware] of Object.entries(fields)) {
      if (rules[typeName]?.[fieldName] === allow) continue;
      (guarded[typeName] ??= {})[fieldName] = middleware;
    }
  }
  return applyMiddleware(schema, guarded as Parameters<typeof applyMiddleware>[1]);
}

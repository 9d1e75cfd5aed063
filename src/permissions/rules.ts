import { rule } from 'graphql-shield';
import type { Post as PostMessage } from '../../generated/proto/pinstack/posts/v1/posts.js';
import type { User as UserMessage } from '../../generated/proto/pinstack/users/v1/users.js';
import type { Viewer } from '../auth/viewer.js';
import type { GatewayContext } from '../context.js';
import { CredentialRejectedError, ForbiddenError, normalizeError, UnauthenticatedError, UnauthenticatedReason } from '../errors.js';
import { id as idRule } from '../validation/rules.js';

/**
 * The rules the permission tree is built from. Each answers `true` or the
 * coded error a client should see: UNAUTHENTICATED when the request has no
 * viewer and one is needed, FORBIDDEN when the viewer lacks the right. A rule
 * that fails on the way (say, a service is down) answers that failure, not a
 * denial, so the client learns to retry rather than that it may not.
 */
type RuleResult = true | Error;
type RuleBody<P, A> = (parent: P, args: A, context: GatewayContext) => RuleResult | Promise<RuleResult>;

function gatewayRule<P = unknown, A = Record<string, unknown>>(name: string, cache: 'contextual' | 'no_cache', body: RuleBody<P, A>) {
  return rule(name, { cache })(async (parent: P, args: A, context: GatewayContext) => {
    try {
      return await body(parent, args, context);
    } catch (error) {
      // graphql-shield would turn a thrown error into a plain denial: answer
      // what the failure means instead (SERVICE_UNAVAILABLE, or INTERNAL_SERVER_ERROR for a bug).
      return normalizeError(error).error;
    }
  });
}

const signInNeeded = () => new UnauthenticatedError();

/** The request carries a verified access token. */
export const isAuthenticated = gatewayRule('isAuthenticated', 'contextual', (_parent, _args, context) =>
  context.viewer ? true : signInNeeded(),
);

/**
 * Whether `user` is the very account `viewer`'s token was issued for: the same
 * id and the same creation time. The id alone would do while ids are never
 * given out twice; the creation time makes it hold even if one were (a store
 * restarted empty or restored), since a new account is created at another time.
 */
export function isViewersAccount(viewer: Viewer, user: UserMessage): boolean {
  return user.id === viewer.id && user.createdAt?.getTime() === viewer.accountCreatedAt;
}

/**
 * The request carries a verified access token whose account still exists:
 * the account it was issued for, not merely one with its id. A token
 * outlives a deleted account by up to its lifetime, so `me` and writes (which
 * act as the account) check, at the cost of one batched lookup that `me` and
 * most payloads would make anyway.
 */
export const hasAccount = gatewayRule('hasAccount', 'contextual', async (_parent, _args, context) => {
  if (!context.viewer) return signInNeeded();
  const user = await context.sources.users.byId(context.viewer.id);
  return user && isViewersAccount(context.viewer, user)
    ? true
    : new CredentialRejectedError('The account of this access token no longer exists.', UnauthenticatedReason.AccountChanged);
});

/** The viewer's token lists `role` in its `roles` claim. */
export function hasRole(role: string) {
  return gatewayRule(`hasRole:${role}`, 'contextual', (_parent, _args, context) => {
    if (!context.viewer) return signInNeeded();
    return context.viewer.roles.includes(role) ? true : new ForbiddenError(`This needs the ${role} role.`);
  });
}

/** The viewer's token lists `scope` in its space-separated `scope` claim. */
export function hasScope(scope: string) {
  return gatewayRule(`hasScope:${scope}`, 'contextual', (_parent, _args, context) => {
    if (!context.viewer) return signInNeeded();
    return context.viewer.scopes.includes(scope) ? true : new ForbiddenError(`This needs the ${scope} scope.`);
  });
}

/**
 * The viewer is the user the field belongs to, or proved to be that user in
 * this request (the payload of `register` or `login`).
 */
export const isSelf = gatewayRule<UserMessage>('isSelf', 'no_cache', (user, _args, context) => {
  if ((context.viewer && isViewersAccount(context.viewer, user)) || context.signedIn.has(user.id)) return true;
  return context.viewer ? new ForbiddenError('Only the account owner can see this.') : signInNeeded();
});

/**
 * The viewer wrote the post named by the `id` argument. An id that is not
 * valid or names no post passes: the resolver then answers BAD_USER_INPUT or
 * NOT_FOUND, as it would for anyone.
 */
export const isPostAuthor = gatewayRule<unknown, { id?: unknown }>('isPostAuthor', 'no_cache', async (_parent, args, context) => {
  if (!context.viewer) return signInNeeded();
  const parsed = idRule.safeParse(args.id);
  if (!parsed.success) return true;
  const post: PostMessage | null = await context.sources.posts.byId(parsed.data);
  if (!post) return true;
  return post.authorId === context.viewer.id ? true : new ForbiddenError('Only the author of a post or an admin may delete it.');
});

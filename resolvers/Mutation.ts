import { z } from 'zod';
import type { MutationResolvers } from '../generated/graphql/resolvers-types.js';
import type { User as UserMessage } from '../generated/proto/pinstack/users/v1/users.js';
import { requireViewer } from '../src/auth/require-viewer.js';
import type { GatewayContext } from '../src/context.js';
import { InternalServerError, NotFoundError } from '../src/errors.js';
import type { SignedIn } from '../src/sources/auth.js';
import type { IdempotencyKey } from '../src/sources/index.js';
import { parseArgs } from '../src/validation/parse.js';
import * as rules from '../src/validation/rules.js';

const registerArgs = z.object({
  input: z.object({
    username: rules.username,
    email: rules.email,
    password: rules.password,
    displayName: rules.displayName,
    clientMutationId: rules.idempotencyKey.nullish(),
  }),
});

// Sign-in checks only sizes: a pattern made stricter later must not lock out older accounts.
const loginArgs = z.object({
  input: z.object({
    email: rules.signInEmail,
    password: rules.signInPassword,
  }),
});

const createPostArgs = z.object({
  input: z.object({
    title: rules.title,
    description: rules.description.nullish(),
    imageUrl: rules.imageUrl,
    clientMutationId: rules.idempotencyKey.nullish(),
  }),
});

const idempotencyKeyHeaderArgs = z.object({ 'Idempotency-Key': rules.idempotencyKey });

/** The request's `Idempotency-Key` header, checked like `clientMutationId`. */
function idempotencyKeyHeader(context: GatewayContext): string | null {
  if (context.idempotencyKey === null) return null;
  return parseArgs(idempotencyKeyHeaderArgs, { 'Idempotency-Key': context.idempotencyKey })['Idempotency-Key'];
}

/**
 * A creating mutation's idempotency key: `clientMutationId`, or else the
 * `Idempotency-Key` header, with the argument a reused key is reported under.
 */
function idempotencyKeyOf(clientMutationId: string | null | undefined, context: GatewayContext): IdempotencyKey | null {
  if (clientMutationId != null) return { key: clientMutationId, argument: 'input.clientMutationId' };
  const header = idempotencyKeyHeader(context);
  return header !== null ? { key: header, argument: 'Idempotency-Key' } : null;
}

const updateProfileArgs = z.object({
  input: z
    .object({
      displayName: rules.displayName.nullish(),
      bio: rules.bio.nullish(),
      avatarUrl: rules.avatarUrl.nullish(),
    })
    .refine((input) => input.displayName != null || input.bio != null || input.avatarUrl != null, 'must change at least one field'),
});

const refreshTokenArgs = z.object({ refreshToken: rules.refreshToken });

const idArgs = z.object({ id: rules.id });
const postIdArgs = z.object({ postId: rules.id });
const userIdArgs = z.object({ userId: rules.id });
const notificationIdsArgs = z.object({ ids: rules.notificationIds });

/**
 * Writes: each checks the viewer and its input, then calls the source that
 * owns the change. The sources drop what a write makes stale, cached profiles
 * included (see src/sources/profiles/invalidation.ts); no resolver does.
 */
export const Mutation: MutationResolvers = {
  register: async (_parent, args, context) => {
    const { input } = parseArgs(registerArgs, args);
    // Counted before the account is created: a refused register creates nothing.
    await context.limits.attempt('register');
    const { clientMutationId, ...account } = input;
    return authPayload(context, await context.sources.auth.register(account, idempotencyKeyOf(clientMutationId, context)));
  },

  login: async (_parent, args, context) => {
    const { input } = parseArgs(loginArgs, args);
    await context.limits.attempt('login');
    return authPayload(context, await context.sources.auth.login(input.email, input.password));
  },

  refreshToken: async (_parent, args, context) => {
    const { refreshToken } = parseArgs(refreshTokenArgs, args);
    await context.limits.attempt('refresh');
    return authPayload(context, await context.sources.auth.refresh(refreshToken));
  },

  logout: async (_parent, args, context) => {
    const { refreshToken } = parseArgs(refreshTokenArgs, args);
    await context.limits.attempt('refresh');
    return context.sources.auth.logout(refreshToken);
  },

  createPost: async (_parent, args, context) => {
    const viewer = requireViewer(context);
    const { input } = parseArgs(createPostArgs, args);
    const post = { title: input.title, description: input.description ?? '', imageUrl: input.imageUrl };
    return context.sources.posts.createPost(viewer.id, post, idempotencyKeyOf(input.clientMutationId, context));
  },

  deletePost: async (_parent, args, context) => {
    const viewer = requireViewer(context);
    const { id } = parseArgs(idArgs, args);
    await context.sources.posts.deletePost(id, viewer);
    return true;
  },

  likePost: async (_parent, args, context) => {
    const viewer = requireViewer(context);
    const { postId } = parseArgs(postIdArgs, args);
    return context.sources.posts.likePost(postId, viewer.id);
  },

  unlikePost: async (_parent, args, context) => {
    const viewer = requireViewer(context);
    const { postId } = parseArgs(postIdArgs, args);
    return context.sources.posts.unlikePost(postId, viewer.id);
  },

  follow: (_parent, args, context) => changeFollow(context, args, 'follow'),

  unfollow: (_parent, args, context) => changeFollow(context, args, 'unfollow'),

  updateProfile: async (_parent, args, context) => {
    const viewer = requireViewer(context);
    const { input } = parseArgs(updateProfileArgs, args);
    return context.sources.users.updateProfile(viewer.id, {
      displayName: input.displayName ?? undefined,
      bio: input.bio ?? undefined,
      avatarUrl: input.avatarUrl ?? undefined,
    });
  },

  markNotificationsRead: async (_parent, args, context) => {
    const viewer = requireViewer(context);
    const { ids } = parseArgs(notificationIdsArgs, args);
    return context.sources.notifications.markRead(viewer.id, ids);
  },
};

/** The payload of a sign-in: the tokens and the account, whose owner-only fields the payload may show. */
async function authPayload(context: GatewayContext, { userId, tokens }: SignedIn) {
  const user = await context.sources.users.byId(userId);
  if (!user) throw new InternalServerError(`The account ${userId} has no profile.`);
  context.signedIn.add(userId);
  return { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, user };
}

/** Follows or unfollows `args.userId` as the viewer and answers that user; following nobody is NOT_FOUND before any write. */
async function changeFollow(context: GatewayContext, args: unknown, change: 'follow' | 'unfollow'): Promise<UserMessage> {
  const viewer = requireViewer(context);
  const { userId } = parseArgs(userIdArgs, args);
  const target = await context.sources.users.byId(userId);
  if (!target) throw new NotFoundError(`There is no user ${userId}.`);
  await context.sources.relations[change](viewer.id, userId);
  return target;
}

import { z } from 'zod';
import type { MutationResolvers } from '../generated/graphql/resolvers-types.js';
import type { TokenPair } from '../generated/proto/pinstack/auth/v1/auth.js';
import type { LikeStats, Post as PostMessage } from '../generated/proto/pinstack/posts/v1/posts.js';
import type { User as UserMessage } from '../generated/proto/pinstack/users/v1/users.js';
import { requireViewer } from '../src/auth/require-viewer.js';
import type { GatewayContext } from '../src/context.js';
import { CredentialRejectedError, InternalServerError, NotFoundError, UnauthenticatedError } from '../src/errors.js';
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

/** The request's `Idempotency-Key` header, checked like `clientMutationId`. */
function idempotencyKeyHeader(context: GatewayContext): string | null {
  if (context.idempotencyKey === null) return null;
  return parseArgs(z.object({ 'Idempotency-Key': rules.idempotencyKey }), { 'Idempotency-Key': context.idempotencyKey })['Idempotency-Key'];
}

/**
 * A creating mutation's idempotency key, `clientMutationId` or else the `Idempotency-Key` header,
 * as request fields for its service, and the argument a reused key is reported under.
 */
function idempotencyKeyOf(clientMutationId: string | null | undefined, context: GatewayContext) {
  const idempotencyKey = clientMutationId ?? idempotencyKeyHeader(context);
  return {
    request: idempotencyKey !== null ? { idempotencyKey } : {},
    fields: { idempotency_key: clientMutationId != null ? 'input.clientMutationId' : 'Idempotency-Key' },
  };
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

/** Writes: each checks the viewer and its input, then makes the one RPC that owns the change. */
export const Mutation: MutationResolvers = {
  register: async (_parent, args, context) => {
    const { input } = parseArgs(registerArgs, args);
    // Counted before the account is created: a refused register creates nothing.
    await context.limits.attempt('register');
    const { clientMutationId, ...account } = input;
    const idempotency = idempotencyKeyOf(clientMutationId, context);
    const reply = await context.services.auth.register(
      { ...account, ...idempotency.request },
      { fieldPrefix: 'input.', fields: idempotency.fields },
    );
    return authPayload(context, reply.userId, reply.tokens);
  },

  login: async (_parent, args, context) => {
    const { input } = parseArgs(loginArgs, args);
    await context.limits.attempt('login');
    const reply = await context.services.auth.login({ email: input.email, password: input.password }, { fieldPrefix: 'input.' });
    return authPayload(context, reply.userId, reply.tokens);
  },

  refreshToken: async (_parent, args, context) => {
    const { refreshToken } = parseArgs(refreshTokenArgs, args);
    await context.limits.attempt('refresh');
    try {
      const reply = await context.services.auth.refreshToken({ refreshToken });
      return await authPayload(context, reply.userId, reply.tokens);
    } catch (error) {
      // A refused refresh token is a credential that does not hold: HTTP 401, as for a bad access token.
      if (error instanceof UnauthenticatedError) throw new CredentialRejectedError('The refresh token is not valid; sign in again.', error);
      throw error;
    }
  },

  logout: async (_parent, args, context) => {
    const { refreshToken } = parseArgs(refreshTokenArgs, args);
    await context.limits.attempt('refresh');
    const { revoked } = await context.services.auth.logout({ refreshToken });
    return revoked;
  },

  createPost: async (_parent, args, context) => {
    const viewer = requireViewer(context);
    const { input } = parseArgs(createPostArgs, args);
    const idempotency = idempotencyKeyOf(input.clientMutationId, context);
    const { post } = await context.services.posts.createPost(
      {
        authorId: viewer.id,
        title: input.title,
        description: input.description ?? '',
        imageUrl: input.imageUrl,
        ...idempotency.request,
      },
      { fieldPrefix: 'input.', fields: idempotency.fields },
    );
    if (!post) throw new InternalServerError('The posts service returned no post.');
    await context.profiles.invalidate([viewer.id]);
    return post;
  },

  deletePost: async (_parent, args, context) => {
    const viewer = requireViewer(context);
    const { id } = parseArgs(idArgs, args);
    // The author's cached profile lists the post; an admin may delete another author's.
    const authorId = (await context.loaders.postsById.load(id).catch(() => null))?.authorId ?? viewer.id;
    await context.services.posts.deletePost({ id, actorId: viewer.id, actorIsAdmin: viewer.roles.includes('admin') });
    await context.profiles.invalidate([authorId]);
    context.loaders.postsById.clear(id);
    return true;
  },

  likePost: async (_parent, args, context) => {
    const viewer = requireViewer(context);
    const { postId } = parseArgs(postIdArgs, args);
    const reply = await context.services.posts.likePost({ postId, userId: viewer.id });
    if (reply.post) await context.profiles.invalidate([reply.post.authorId]);
    return primeLiked(context, reply.post, reply.stats);
  },

  unlikePost: async (_parent, args, context) => {
    const viewer = requireViewer(context);
    const { postId } = parseArgs(postIdArgs, args);
    const reply = await context.services.posts.unlikePost({ postId, userId: viewer.id });
    if (reply.post) await context.profiles.invalidate([reply.post.authorId]);
    return primeLiked(context, reply.post, reply.stats);
  },

  follow: (_parent, args, context) => changeFollow(context, args, 'follow'),

  unfollow: (_parent, args, context) => changeFollow(context, args, 'unfollow'),

  updateProfile: async (_parent, args, context) => {
    const viewer = requireViewer(context);
    const { input } = parseArgs(updateProfileArgs, args);
    const { user } = await context.services.users.updateProfile(
      {
        userId: viewer.id,
        displayName: input.displayName ?? undefined,
        bio: input.bio ?? undefined,
        avatarUrl: input.avatarUrl ?? undefined,
      },
      { fieldPrefix: 'input.' },
    );
    if (!user) throw new InternalServerError('The users service returned no user.');
    await context.profiles.invalidate([user.id]);
    context.loaders.usersById.clear(user.id).prime(user.id, user);
    return user;
  },

  markNotificationsRead: async (_parent, args, context) => {
    const viewer = requireViewer(context);
    const { ids } = parseArgs(z.object({ ids: rules.notificationIds }), args);
    if (ids.length === 0) return 0;
    const { updatedCount } = await context.services.notifications.markRead({ recipientId: viewer.id, ids });
    return updatedCount;
  },
};

async function authPayload(context: GatewayContext, userId: string, tokens: TokenPair | undefined) {
  if (!tokens) throw new InternalServerError('The auth service returned no tokens.');
  const user = await context.loaders.usersById.load(userId);
  if (!user) throw new InternalServerError(`The account ${userId} has no profile.`);
  context.signedIn.add(userId);
  return { accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, user };
}

async function existingUser(context: GatewayContext, userId: string): Promise<UserMessage> {
  const user = await context.loaders.usersById.load(userId);
  if (!user) throw new NotFoundError(`There is no user ${userId}.`);
  return user;
}

/** Follows or unfollows `args.userId` as the viewer, then drops what the change made stale. */
async function changeFollow(context: GatewayContext, args: unknown, change: 'follow' | 'unfollow'): Promise<UserMessage> {
  const viewer = requireViewer(context);
  const { userId } = parseArgs(userIdArgs, args);
  const target = await existingUser(context, userId);
  await context.services.relations[change]({ followerId: viewer.id, followeeId: userId }, { fields: { followee_id: 'userId' } });
  await context.profiles.invalidate([viewer.id, userId]);
  forgetFollowState(context, viewer.id, userId);
  return target;
}

function forgetFollowState(context: GatewayContext, followerId: string, followeeId: string): void {
  context.loaders.followStatsByUserId.clear(followerId).clear(followeeId);
  context.loaders.viewerFollowsUserId.clear(followeeId);
  context.loaders.followingOf.clearAll();
  context.loaders.followersOf.clearAll();
}

function primeLiked(context: GatewayContext, post: PostMessage | undefined, stats: LikeStats | undefined): PostMessage {
  if (!post) throw new InternalServerError('The posts service returned no post.');
  if (stats) context.loaders.likeStatsByPostId.clear(post.id).prime(post.id, stats);
  context.loaders.postsById.clear(post.id).prime(post.id, post);
  return post;
}

/**
 * The bench's `bare` target: Apollo Server 5 (its standalone HTTP server)
 * with per-request DataLoaders over the same services, answering the feed
 * query with the same RPCs as the gateway. It is what a plain Apollo +
 * DataLoader server costs: the same token check and identity metadata, and
 * none of what the gateway adds (permissions, demand control, rate limits,
 * overload protection, retries and breakers, deadlines, metrics, tracing,
 * logging, caches).
 */
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import type { Metadata } from '@grpc/grpc-js';
import DataLoader from 'dataloader';
import { GraphQLError } from 'graphql';
import type { LikeStats, Post } from '../../generated/proto/pinstack/posts/v1/posts.js';
import type { FollowStats } from '../../generated/proto/pinstack/relations/v1/relations.js';
import type { User } from '../../generated/proto/pinstack/users/v1/users.js';
import { identityMetadata } from '../../platform/identity.js';
import { MAX_BATCH_IDS } from '../../platform/rules/index.js';
import {
  NotSignedInError,
  baselineSettings,
  createFeedClients,
  followedIds,
  verifyViewer,
  viewerMetadata,
  type BaselineServer,
  type BaselineServerOptions,
  type BaselineViewer,
  type FeedClients,
} from './feed.js';

/** The part of the gateway's schema the feed query reads, with the same types and nullability. */
const TYPE_DEFS = /* GraphQL */ `
  type Query {
    feed(first: Int = 20, after: String): PostConnection!
  }
  type PostConnection {
    edges: [PostEdge!]!
  }
  type PostEdge {
    cursor: String!
    node: Post
  }
  type Post {
    id: ID!
    title: String!
    likesCount: Int
    author: User!
  }
  type User {
    id: ID!
    username: String!
    followersCount: Int
  }
`;

interface BareContext {
  viewer: BaselineViewer | null;
  /** Identity metadata of the request's calls: the service secret, and the viewer when signed in. */
  metadata: Metadata;
  clients: FeedClients;
  usersById: DataLoader<string, User | null>;
  likeStatsByPostId: DataLoader<string, LikeStats | null>;
  followStatsByUserId: DataLoader<string, FollowStats | null>;
}

/** A DataLoader over a batch RPC answering an unordered list: each key gets its item, or null. */
function keyedLoader<V>(fetch: (ids: string[]) => Promise<readonly V[]>, keyOf: (item: V) => string): DataLoader<string, V | null> {
  return new DataLoader<string, V | null>(
    async (ids) => {
      const byKey = new Map((await fetch([...ids])).map((item) => [keyOf(item), item]));
      return ids.map((id) => byKey.get(id) ?? null);
    },
    { maxBatchSize: MAX_BATCH_IDS },
  );
}

function signedIn(context: BareContext): { viewer: BaselineViewer; metadata: Metadata } {
  if (!context.viewer) throw new GraphQLError('Sign in to read the feed.', { extensions: { code: 'UNAUTHENTICATED' } });
  return { viewer: context.viewer, metadata: context.metadata };
}

const resolvers = {
  Query: {
    feed: async (_parent: unknown, args: { first: number; after?: string | null }, context: BareContext) => {
      const { viewer, metadata } = signedIn(context);
      const authorIds = await followedIds(context.clients.relations, viewer.id, metadata);
      if (authorIds.length === 0) return { edges: [] };
      const { page } = await context.clients.posts.api.listFeed({ authorIds, pageSize: args.first, pageToken: args.after ?? '' }, { metadata });
      const posts = page?.posts ?? [];
      return { edges: posts.map((node, index) => ({ cursor: page?.cursors[index] ?? '', node })) };
    },
  },
  Post: {
    likesCount: async (post: Post, _args: unknown, context: BareContext) => (await context.likeStatsByPostId.load(post.id))?.likesCount ?? 0,
    author: async (post: Post, _args: unknown, context: BareContext) => {
      const author = await context.usersById.load(post.authorId);
      if (!author) throw new GraphQLError(`The author of post ${post.id} could not be found.`);
      return author;
    },
  },
  User: {
    followersCount: async (user: User, _args: unknown, context: BareContext) =>
      (await context.followStatsByUserId.load(user.id))?.followersCount ?? 0,
  },
};

/** Starts the bare Apollo Server target. */
export async function startBare(options: BaselineServerOptions = {}): Promise<BaselineServer> {
  const settings = baselineSettings(options.env);
  const clients = createFeedClients(settings.addresses);
  const server = new ApolloServer<BareContext>({ typeDefs: TYPE_DEFS, resolvers });
  const { url } = await startStandaloneServer(server, {
    listen: { host: options.host ?? '127.0.0.1', port: options.port ?? 0 },
    context: async ({ req }) => {
      let viewer: BaselineViewer | null = null;
      try {
        viewer = await verifyViewer(req.headers.authorization, settings.tokens);
      } catch (error) {
        // No token is an anonymous request; a bad one is refused, as the gateway refuses it.
        if (!(error instanceof NotSignedInError) || req.headers.authorization !== undefined) {
          throw new GraphQLError((error as Error).message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
        }
      }
      const metadata = viewer ? viewerMetadata(settings.serviceSecret, viewer) : identityMetadata(settings.serviceSecret, null);
      const options = { metadata };
      return {
        viewer,
        metadata,
        clients,
        usersById: keyedLoader(async (ids) => (await clients.users.api.batchGetUsers({ ids }, options)).users, (user) => user.id),
        likeStatsByPostId: keyedLoader(
          async (postIds) => (await clients.posts.api.batchGetLikeStats({ postIds, viewerId: viewer?.id ?? '' }, options)).stats,
          (stats) => stats.postId,
        ),
        followStatsByUserId: keyedLoader(
          async (userIds) => (await clients.relations.api.batchGetFollowStats({ userIds }, options)).stats,
          (stats) => stats.userId,
        ),
      };
    },
  });
  return {
    url: url.replace(/\/$/, ''),
    async close() {
      await server.stop();
      clients.close();
    },
  };
}

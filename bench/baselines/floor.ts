/**
 * The bench's `floor` target: a plain `node:http` handler that answers the
 * feed query (`FEED_QUERY`, that text only) with the same token check, the
 * same five RPCs and the same JSON as the gateway, and no GraphQL at all. It
 * is about the least a Node process can spend to serve that answer from
 * these services: the gateway's CPU time per request is read against it.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listen } from '../../src/http/listeners.js';
import {
  FEED_PAGE_SIZE,
  FEED_QUERY,
  NotSignedInError,
  baselineSettings,
  createFeedClients,
  followedIds,
  verifyViewer,
  viewerMetadata,
  type BaselineServer,
  type BaselineServerOptions,
  type FeedClients,
  type FeedData,
} from './feed.js';

/** Largest request body read; the one request it answers is far smaller. */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * The feed of the viewer whose calls carry `metadata`, fetched as the
 * gateway fetches it: the followed accounts, the feed page, then the like
 * counts and the authors at once, then the authors' follower counts. Each
 * batch lists its keys once, in the order the posts first name them.
 */
async function feedData(clients: FeedClients, viewerId: string, metadata: Parameters<typeof followedIds>[2]): Promise<FeedData> {
  const authorIds = await followedIds(clients.relations, viewerId, metadata);
  if (authorIds.length === 0) return { feed: { edges: [] } };
  const { page } = await clients.posts.api.listFeed({ authorIds, pageSize: FEED_PAGE_SIZE, pageToken: '' }, { metadata });
  const posts = page?.posts ?? [];
  if (posts.length === 0) return { feed: { edges: [] } };
  const postIds = posts.map((post) => post.id);
  const userIds = [...new Set(posts.map((post) => post.authorId))];
  const [likes, { users, followers }] = await Promise.all([
    clients.posts.api.batchGetLikeStats({ postIds, viewerId }, { metadata }),
    (async () => {
      const { users } = await clients.users.api.batchGetUsers({ ids: userIds }, { metadata });
      const returned = new Set(users.map((user) => user.id));
      const found = userIds.filter((id) => returned.has(id));
      const { stats } = await clients.relations.api.batchGetFollowStats({ userIds: found }, { metadata });
      return { users, followers: stats };
    })(),
  ]);
  const likesById = new Map(likes.stats.map((stats) => [stats.postId, stats.likesCount]));
  const usersById = new Map(users.map((user) => [user.id, user]));
  const followersById = new Map(followers.map((stats) => [stats.userId, stats.followersCount]));
  return {
    feed: {
      edges: posts.map((post) => {
        const author = usersById.get(post.authorId);
        // As the gateway does for its non-null `author`: the post is nulled (the gateway also adds an error).
        if (!author) return { node: null };
        return {
          node: {
            id: post.id,
            title: post.title,
            likesCount: likesById.get(post.id) ?? 0,
            author: { id: author.id, username: author.username, followersCount: followersById.get(author.id) ?? 0 },
          },
        };
      }),
    },
  };
}

function answer(res: ServerResponse, status: number, body: unknown): void {
  // As Apollo Server writes its answers: one line of JSON.
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(`${JSON.stringify(body)}\n`);
}

const refusal = (message: string, code: string) => ({ errors: [{ message, extensions: { code } }] });

async function readBody(req: IncomingMessage): Promise<string | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the floor target. */
export async function startFloor(options: BaselineServerOptions = {}): Promise<BaselineServer> {
  const settings = baselineSettings(options.env);
  const clients = createFeedClients(settings.addresses);

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST' || req.url !== '/graphql') return answer(res, 404, refusal('POST the feed query to /graphql.', 'NOT_FOUND'));
    const text = await readBody(req);
    let query: unknown;
    try {
      query = text === null ? null : (JSON.parse(text) as { query?: unknown }).query;
    } catch {
      query = null;
    }
    if (query !== FEED_QUERY) return answer(res, 400, refusal('The floor answers the feed query of the bench and nothing else.', 'BAD_REQUEST'));
    let viewer;
    try {
      viewer = await verifyViewer(req.headers.authorization, settings.tokens);
    } catch (error) {
      if (error instanceof NotSignedInError) return answer(res, 401, refusal(error.message, 'UNAUTHENTICATED'));
      throw error;
    }
    answer(res, 200, { data: await feedData(clients, viewer.id, viewerMetadata(settings.serviceSecret, viewer)) });
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => answer(res, 500, refusal(`The floor failed: ${(error as Error).message}`, 'INTERNAL_SERVER_ERROR')));
  });
  await listen(server, options.port ?? 0, options.host ?? '127.0.0.1', 'the floor');
  const { address, port } = server.address() as AddressInfo;
  return {
    url: `http://${address}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => {
          clients.close();
          resolve();
        });
        server.closeAllConnections();
      }),
  };
}

/**
 * `npm run bench -- --subscriptions`: many live subscribers on one gateway
 * process, over loopback. Each of `subscribers` seeded users opens a
 * graphql-ws connection of its own and subscribes to
 * `notificationAdded { id kind actor { id username } }`, as an SPA's badge
 * would. Reported:
 *
 * - memory per subscriber: the gateway's resident memory (and V8 heap in use)
 *   once every subscriber is connected and idle, less what it was before the
 *   first, divided by the subscribers;
 * - fan-out latency, in two rounds: each subscriber's post is liked once by
 *   someone who did not like it yet (`likePost` over HTTP), then each
 *   subscriber is followed once by someone who did not follow it yet
 *   (`follow`), `concurrency` mutations at a time; the time from sending the
 *   mutation to the subscriber receiving its notification, with the actor
 *   resolved, p50 and p99 over every subscriber. A notification is built from
 *   the event of the write (`post.liked`, `user.followed`) by the
 *   notifications service's consumer, so this is the whole path: the
 *   mutation, the outbox and its relay, the event bus, the consumer, the
 *   store, the service's stream and the gateway's subscription.
 */
import { createClient, type Client } from 'graphql-ws';
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';
import { seedConfigFromEnv } from '../services/common/seed/config.js';
import { seedUsers } from '../services/common/seed/users.js';
import { seedPosts } from '../services/common/seed/posts.js';
import { seedFollows } from '../services/relations/seed.js';
import { ACCOUNT_CREATED_AT_CLAIM, tokenConfigFromEnv } from '../platform/token-config.js';
import { signAccessToken } from '../test/support/tokens.js';
import { metricSum, percentile, scrapeMetrics } from './measure.js';
import { fixed, markdownTable } from './table.js';

export interface SubscriptionBenchOptions {
  /** The gateway's GraphQL URL (`http://…/graphql`) and its `/metrics`. */
  graphql: string;
  metrics: string;
  /** The environment the stack runs with: its seed and token settings. */
  env: NodeJS.ProcessEnv;
  subscribers: number;
  /** Follows in flight at once while fan-out is measured. */
  concurrency: number;
}

export interface SubscriptionReport {
  subscribers: number;
  /** Seconds from the first connection to the last subscription running. */
  connectSeconds: number;
  rssBeforeMb: number | null;
  rssAfterMb: number | null;
  heapBeforeMb: number | null;
  heapAfterMb: number | null;
  /** (RSS after − before) / subscribers, in KB. */
  rssPerSubscriberKb: number | null;
  heapPerSubscriberKb: number | null;
  concurrency: number;
  /** `launcher` (the launcher's in-process bus, as `npm start` runs without NATS_URL) or `nats`. */
  eventBus: 'launcher' | 'nats';
  /** A like of a subscriber's post by another account, to its notification. */
  like: FanOutReport;
  /** A follow of a subscriber by another account, to its notification. */
  follow: FanOutReport;
  /** Notifications a subscriber received that no mutation of that round sent it (must be 0). */
  unexpected: number;
}

/** One round of fan-out: one mutation per subscriber, each awaited at its subscriber. */
export interface FanOutReport {
  /** Mutations sent: one per subscriber (a like: per subscriber with a post). */
  expected: number;
  /** Notifications delivered of those. */
  delivered: number;
  /** From sending the mutation to receiving its notification, in ms. */
  p50Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** How long the mutations themselves took to answer, in ms. */
  mutationP50Ms: number | null;
}

/** One mutation of a round: who acts on whose behalf, and what the subscriber should then receive. */
interface Action {
  subscriberId: string;
  actorId: string;
  kind: 'LIKE' | 'FOLLOW';
  query: string;
  variables: Record<string, unknown>;
}

const SUBSCRIPTION = 'subscription { notificationAdded { id kind actor { id username } } }';
const FOLLOW = 'mutation($id: ID!) { follow(userId: $id) { id } }';
const LIKE = 'mutation($id: ID!) { likePost(postId: $id) { id } }';
const CONNECT_BATCH = 50;
/** How long one delivery may take before the run counts it as lost. */
const DELIVERY_TIMEOUT_MS = 30_000;

export async function runSubscriptions(options: SubscriptionBenchOptions, progress: (line: string) => void): Promise<SubscriptionReport> {
  const seed = seedConfigFromEnv(options.env);
  const tokens = tokenConfigFromEnv(options.env);
  const users = seedUsers(seed);
  if (users.length < Math.max(2, options.subscribers)) throw new Error(`the seed has ${users.length} users, fewer than ${options.subscribers} subscribers`);
  const createdAt = new Map(users.map((user) => [user.id, user.createdAt.toISOString()]));
  const token = (userId: string, scope?: string) =>
    signAccessToken(tokens, { sub: userId, [ACCOUNT_CREATED_AT_CLAIM]: createdAt.get(userId)!, ...(scope ? { scope } : {}) });
  const memory = async () => {
    const page = await scrapeMetrics(options.metrics);
    const rss = metricSum(page, 'process_resident_memory_bytes');
    const heap = metricSum(page, 'nodejs_heap_size_used_bytes');
    return { rss: rss === null ? null : rss / 2 ** 20, heap: heap === null ? null : heap / 2 ** 20 };
  };

  // One subscription first, so that the measured memory is what subscribers cost, not the first one's code paths.
  const warm = await subscriber(options.graphql, await token(users[0]!.id), () => {});
  await warm.ready;
  await warm.client.dispose();
  await settle();
  const before = await memory();

  const subscriberIds = users.slice(0, options.subscribers).map((user) => user.id);
  /** Per subscriber with a mutation in flight: takes a notification, and says whether it was the one awaited. */
  const arrivals = new Map<string, (event: Delivery) => boolean>();
  let unexpected = 0;
  const clients: Client[] = [];
  const startedAt = performance.now();
  progress(`Connecting ${options.subscribers} subscribers…`);
  for (let i = 0; i < subscriberIds.length; i += CONNECT_BATCH) {
    const batch = subscriberIds.slice(i, i + CONNECT_BATCH);
    const started = await Promise.all(
      batch.map(async (userId) =>
        subscriber(options.graphql, await token(userId), (event) => {
          const arrived = arrivals.get(userId);
          if (!arrived || !arrived(event)) unexpected += 1;
        }),
      ),
    );
    for (const { client, ready } of started) {
      clients.push(client);
      await ready;
    }
  }
  const connectSeconds = (performance.now() - startedAt) / 1000;
  await settle();
  const after = await memory();

  // Each subscriber's newest post is liked by someone who has not liked it yet, so that every like creates a notification.
  const { posts, likes } = seedPosts(seed);
  const liked = new Set(likes.map(([postId, userId]) => `${userId}>${postId}`));
  const newestPost = new Map<string, string>();
  for (const post of posts) newestPost.set(post.authorId, post.id);
  const likeActions: Action[] = subscriberIds.flatMap((subscriberId, index) => {
    const postId = newestPost.get(subscriberId);
    if (!postId) return [];
    const actorId = someoneElse(index, (candidate) => !liked.has(`${candidate}>${postId}`));
    return [{ subscriberId, actorId, kind: 'LIKE' as const, query: LIKE, variables: { id: postId } }];
  });
  // Each subscriber is followed by someone who does not follow it yet, so that every follow creates a notification.
  const follows = new Set(seedFollows(seed).map((follow) => `${follow.followerId}>${follow.followeeId}`));
  const followActions: Action[] = subscriberIds.map((subscriberId, index) => ({
    subscriberId,
    actorId: someoneElse(index, (candidate) => !follows.has(`${candidate}>${subscriberId}`)),
    kind: 'FOLLOW' as const,
    query: FOLLOW,
    variables: { id: subscriberId },
  }));
  function someoneElse(index: number, fits: (candidate: string) => boolean): string {
    for (let step = 1; step < users.length; step++) {
      const candidate = users[(index + step) % users.length]!.id;
      if (candidate !== subscriberIds[index] && fits(candidate)) return candidate;
    }
    throw new Error(`no one left to act on ${subscriberIds[index]}`);
  }

  const round = async (actions: readonly Action[]): Promise<FanOutReport> => {
    const fanOut: number[] = [];
    const mutations: number[] = [];
    let next = 0;
    const worker = async () => {
      while (next < actions.length) {
        const action = actions[next++]!;
        const authorization = `Bearer ${await token(action.actorId, 'write')}`;
        const delivered = new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`no notification for ${action.subscriberId} within ${DELIVERY_TIMEOUT_MS} ms`)), DELIVERY_TIMEOUT_MS);
          arrivals.set(action.subscriberId, (event) => {
            if (event.actorId !== action.actorId || event.kind !== action.kind) return false;
            clearTimeout(timer);
            resolve(performance.now());
            return true;
          });
        });
        const sentAt = performance.now();
        const response = await fetch(options.graphql, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization },
          body: JSON.stringify({ query: action.query, variables: action.variables }),
        });
        const body = (await response.json()) as { errors?: unknown[] };
        mutations.push(performance.now() - sentAt);
        if (body.errors) throw new Error(`${action.kind.toLowerCase()} for ${action.subscriberId} failed: ${JSON.stringify(body.errors)}`);
        try {
          fanOut.push((await delivered) - sentAt);
        } catch (error) {
          progress((error as Error).message);
        }
        arrivals.delete(action.subscriberId);
      }
    };
    await Promise.all(Array.from({ length: options.concurrency }, worker));
    return {
      expected: actions.length,
      delivered: fanOut.length,
      p50Ms: percentile(fanOut, 50),
      p99Ms: percentile(fanOut, 99),
      maxMs: fanOut.length > 0 ? Math.max(...fanOut) : null,
      mutationP50Ms: percentile(mutations, 50),
    };
  };
  progress(`Liking a post of each subscriber once, ${options.concurrency} at a time…`);
  const like = await round(likeActions);
  progress(`Following each subscriber once, ${options.concurrency} at a time…`);
  const follow = await round(followActions);

  await Promise.all(clients.map((client) => client.dispose()));
  const perSubscriber = (a: number | null, b: number | null) => (a === null || b === null ? null : ((b - a) * 1024) / options.subscribers);
  return {
    subscribers: options.subscribers,
    connectSeconds,
    rssBeforeMb: before.rss,
    rssAfterMb: after.rss,
    heapBeforeMb: before.heap,
    heapAfterMb: after.heap,
    rssPerSubscriberKb: perSubscriber(before.rss, after.rss),
    heapPerSubscriberKb: perSubscriber(before.heap, after.heap),
    concurrency: options.concurrency,
    eventBus: options.env.NATS_URL?.trim() ? 'nats' : 'launcher',
    like,
    follow,
    unexpected,
  };
}

/** What a subscriber is told of each notification: what happened, and who did it. */
interface Delivery {
  kind: string | undefined;
  actorId: string | undefined;
}

/** One subscriber: its own connection and one `notificationAdded` subscription; `ready` once the gateway has acknowledged it. */
async function subscriber(url: string, token: string, onEvent: (event: Delivery) => void): Promise<{ client: Client; ready: Promise<void> }> {
  let connected!: () => void;
  let failed!: (error: Error) => void;
  const ready = new Promise<void>((resolve, reject) => {
    connected = resolve;
    failed = reject;
  });
  const client = createClient({
    url: url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    lazy: false,
    retryAttempts: 0,
    onNonLazyError: (error) => failed(new Error(`a subscriber's connection failed: ${JSON.stringify(error)}`)),
    on: { connected: () => connected() },
  });
  client.subscribe<{ notificationAdded: { kind: string; actor: { id: string } | null } }>(
    { query: SUBSCRIPTION },
    {
      next: (result) => onEvent({ kind: result.data?.notificationAdded.kind, actorId: result.data?.notificationAdded.actor?.id }),
      error: (error) => failed(new Error(`a subscription failed: ${JSON.stringify(error)}`)),
      complete: () => {},
    },
  );
  return { client, ready };
}

/** Lets the gateway finish what connecting started (and its heap settle) before memory is read. */
function settle(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 2_000));
}

/** The report as a markdown table, ready for the README. */
export function subscriptionTable(report: SubscriptionReport): string {
  const rows = [
    ['subscribers (one connection and one subscription each)', String(report.subscribers)],
    ['all connected and subscribed in', `${fixed(report.connectSeconds, 1)} s`],
    ['gateway RSS before → with every subscriber', `${fixed(report.rssBeforeMb, 0)} → ${fixed(report.rssAfterMb, 0)} MB`],
    ['RSS per subscriber', `${fixed(report.rssPerSubscriberKb, 1)} KB`],
    ['V8 heap in use per subscriber', `${fixed(report.heapPerSubscriberKb, 1)} KB`],
    ['event bus', report.eventBus === 'nats' ? 'NATS JetStream (NATS_URL)' : "the launcher's in-process bus (no NATS_URL)"],
    ...fanOutRows('like', report.like, report.concurrency),
    ...fanOutRows('follow', report.follow, report.concurrency),
    ["notifications no mutation of that round sent its subscriber (someone else's, or a repeat)", String(report.unexpected)],
  ];
  return markdownTable(['live subscriptions', ''], rows);
}

function fanOutRows(mutation: 'like' | 'follow', round: FanOutReport, concurrency: number): string[][] {
  return [
    [`fan-out, ${mutation} sent → notification received (${concurrency} in flight)`, `p50 ${fixed(round.p50Ms, 1)} ms, p99 ${fixed(round.p99Ms, 1)} ms, max ${fixed(round.maxMs, 1)} ms`],
    [`the ${mutation} mutation alone`, `p50 ${fixed(round.mutationP50Ms, 1)} ms`],
    [`${mutation} notifications delivered / expected`, `${round.delivered} / ${round.expected}`],
  ];
}

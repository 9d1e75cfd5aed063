import assert from 'node:assert/strict';
import { NotificationKind, NotificationsServiceService } from '../../generated/proto/pinstack/notifications/v1/notifications.js';
import { JetStreamBus } from '../../platform/events/index.js';
import { identityMetadata, serviceIdentityFromEnv } from '../../platform/identity.js';
import { createUnaryClient } from '../../services/common/client.js';
import { createLogger } from '../../services/common/logger.js';
import { seededUserId } from '../../services/common/seed/config.js';
import { eventually } from '../support/eventually.js';
import { graphql } from '../support/graphql.js';
import { deleteNamespace, natsSkipReason, testNamespace, TEST_NATS_URL } from '../support/nats.js';
import { after, before, describe, it } from '../support/skippable.js';
import { startStack, type TestStack } from '../support/stack.js';
import { connect, type SubscriptionClient } from '../support/subscriptions.js';

const skip = await natsSkipReason();
const SECRET = serviceIdentityFromEnv({ NODE_ENV: 'test' }).secret;
const as = (userId: string) => ({ metadata: identityMetadata(SECRET, { userId, roles: ['user'] }) });

interface Added {
  notificationAdded: { id: string; kind: string; actor: { id: string } | null };
}
const NOTIFICATION_ADDED = 'subscription { notificationAdded { id kind actor { id } } }';

/**
 * The whole path of a live notification on the real broker: the gateway's
 * follow, the relations service's outbox and relay, JetStream, the
 * notifications service's durable consumer, its store, its WatchNotifications
 * stream, the gateway's subscription, a graphql-ws client.
 */
describe('live notifications through JetStream', { skip }, () => {
  let namespace: string;
  let stack: TestStack;
  const sockets: SubscriptionClient[] = [];

  before(async () => {
    namespace = testNamespace('live');
    stack = await startStack({
      // One bus per process of the stack, each closed by the stack.
      events: () => new JetStreamBus({ url: TEST_NATS_URL, namespace, name: 'live-test', logger: createLogger('events'), publishTimeoutMs: 1_000 }),
      env: { EVENTS_ACK_WAIT_MS: '1000' },
    });
  });
  after(async () => {
    for (const socket of sockets.splice(0)) await socket.dispose();
    await stack?.stop();
    if (namespace) await deleteNamespace(namespace);
  });

  const subscribeAs = async (userId: string) => {
    const socket = connect(stack.url, { authorization: `Bearer ${await stack.signToken({ sub: userId })}` });
    sockets.push(socket);
    await socket.connected;
    return socket.subscribe<Added>(NOTIFICATION_ADDED);
  };
  const follow = async (followerId: string, followeeId: string) => {
    const token = await stack.signToken({ sub: followerId, scope: 'write' });
    // The seeded graph may hold the follow already, and a follow that changes nothing says nothing.
    await graphql(stack.url, 'mutation($id: ID!) { unfollow(userId: $id) { id } }', { token, variables: { id: followeeId } });
    const answer = await graphql(stack.url, 'mutation($id: ID!) { follow(userId: $id) { id } }', { token, variables: { id: followeeId } });
    assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
  };

  it("a follow produces exactly one stored notification and exactly one notificationAdded on the followee's subscription; another viewer's receives nothing", async () => {
    const follower = seededUserId(1);
    const later = seededUserId(2);
    const followee = seededUserId(43);
    const bystander = seededUserId(44);
    const followeeLive = await subscribeAs(followee);
    const bystanderLive = await subscribeAs(bystander);
    await eventually('both streams open', () => (stack.servers.notifications.openStreams('WatchNotifications') === 2 ? true : undefined));

    const notifications = createUnaryClient(NotificationsServiceService, stack.servers.notifications.address);
    try {
      const stored = async (actorId: string) =>
        (await notifications.api.listNotifications({ recipientId: followee, pageSize: 100, pageToken: '', unreadOnly: false }, as(followee))).notifications.filter(
          (notification) => notification.kind === NotificationKind.NOTIFICATION_KIND_FOLLOW && notification.actorId === actorId,
        );
      await follow(follower, followee);
      const [first] = await followeeLive.atLeast(1);
      assert.equal(first!.errors, undefined, JSON.stringify(first!.errors));
      assert.deepEqual({ kind: first!.data!.notificationAdded.kind, actor: first!.data!.notificationAdded.actor?.id }, { kind: 'FOLLOW', actor: follower });

      // A later follow through the same consumer and the same stream: once it is in, a duplicate of the first would be too.
      await follow(later, followee);
      await followeeLive.atLeast(2);
      await eventually('the later notification stored', async () => ((await stored(later)).length > 0 ? true : undefined));

      const fromFollower = await stored(follower);
      assert.equal(fromFollower.length, 1, 'one stored notification for the follow');
      assert.deepEqual(
        followeeLive.events.map((event) => event.data?.notificationAdded.actor?.id),
        [follower, later],
        'one notificationAdded per follow, in order',
      );
      assert.equal(followeeLive.events[0]!.data!.notificationAdded.id, fromFollower[0]!.id, 'the one delivered is the one stored');
      assert.deepEqual(bystanderLive.events, [], "another viewer's subscription receives nothing");
    } finally {
      notifications.close();
    }
  });
});

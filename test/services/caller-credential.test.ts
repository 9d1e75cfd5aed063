import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { Client, Metadata, credentials, status, type ServiceDefinition, type ServiceError } from '@grpc/grpc-js';
import { AuthServiceService } from '../../generated/proto/pinstack/auth/v1/auth.js';
import { NotificationKind, NotificationsServiceService } from '../../generated/proto/pinstack/notifications/v1/notifications.js';
import { PostsServiceService } from '../../generated/proto/pinstack/posts/v1/posts.js';
import { RecommendationsServiceService } from '../../generated/proto/pinstack/recommendations/v1/recommendations.js';
import { RelationsServiceService } from '../../generated/proto/pinstack/relations/v1/relations.js';
import { UsersServiceService } from '../../generated/proto/pinstack/users/v1/users.js';
import { SERVICE_NAMES, type ServiceName } from '../../platform/addresses.js';
import { createUnaryClient, type UnaryClient } from '../../services/common/client.js';
import { RpcError } from '../../services/common/errors.js';
import { IDENTITY_METADATA, identityMetadata, serviceIdentityFromEnv, type CallerIdentity } from '../../platform/identity.js';
import { seededUserId } from '../../services/common/seed/config.js';
import { CALLER_NOT_PROVEN } from '../../services/common/server.js';
import { assertRpcError } from '../support/rpc.js';
import { startStack, TEST_SEED, type TestStack } from '../support/stack.js';
import { eventually } from '../support/eventually.js';

const GENERATED = new URL('../../generated/proto/pinstack/', import.meta.url);
const SECRET = serviceIdentityFromEnv({ NODE_ENV: 'test' }).secret;
const WRONG_SECRET = 'a-guess-at-the-service-secret-that-is-long-enough';

/** A ts-proto service definition found on disk, with the service that serves it. */
interface GeneratedService {
  service: ServiceName;
  definition: ServiceDefinition;
}

/**
 * Every service definition ts-proto generated (`generated/proto/pinstack/<x>/v1/*.ts`),
 * read from disk rather than listed here, so that a new service or RPC is
 * swept without anyone remembering to add it.
 */
async function generatedServices(): Promise<GeneratedService[]> {
  const found: GeneratedService[] = [];
  for (const pkg of await readdir(GENERATED)) {
    const dir = new URL(`${pkg}/v1/`, GENERATED);
    for (const file of (await readdir(dir)).filter((name) => name.endsWith('.ts'))) {
      const module = (await import(new URL(file, dir).href)) as Record<string, unknown>;
      for (const value of Object.values(module)) {
        if (!isServiceDefinition(value)) continue;
        const [first] = Object.values(value);
        // `/pinstack.users.v1.UsersService/BatchGetUsers` is served by `users`.
        const service = /^\/pinstack\.(\w+)\.v1\./.exec(first!.path)?.[1];
        assert.ok(service && (SERVICE_NAMES as readonly string[]).includes(service), `no service serves ${first!.path}`);
        found.push({ service: service as ServiceName, definition: value });
      }
    }
  }
  return found;
}

function isServiceDefinition(value: unknown): value is ServiceDefinition {
  if (typeof value !== 'object' || value === null) return false;
  const methods = Object.values(value);
  return methods.length > 0 && methods.every((method) => typeof (method as { path?: unknown }).path === 'string' && 'requestSerialize' in method);
}

/**
 * Calls `path` with an empty request (no bytes: every field at its proto3
 * default) and `metadata`, as a client that is not one of ours would, and
 * resolves with the error, or null when the call succeeded.
 */
function callEmpty(client: Client, path: string, metadata: Metadata): Promise<ServiceError | null> {
  return new Promise((resolve) => {
    client.makeUnaryRequest(
      path,
      (request: Buffer) => request,
      (response: Buffer) => response,
      Buffer.alloc(0),
      metadata,
      (error) => resolve(error),
    );
  });
}

function withSecret(secret: string, user?: CallerIdentity): Metadata {
  const metadata = new Metadata();
  metadata.set(IDENTITY_METADATA.secret, secret);
  if (user) {
    metadata.set(IDENTITY_METADATA.userId, user.userId);
    metadata.set(IDENTITY_METADATA.roles, user.roles.join(','));
  }
  return metadata;
}

/** What a handler reached during the sweep answers instead of running: it proves the call got past the credential check. */
const REACHED = 'reached the handler';

const services = await generatedServices();

describe('every RPC of every service requires the service credential', () => {
  let stack: TestStack;
  const clients = new Map<ServiceName, Client>();
  /** `service.method` of every call that got past the credential check. */
  const reached = new Set<string>();

  before(async () => {
    stack = await startStack();
    for (const name of SERVICE_NAMES) {
      clients.set(name, new Client(stack.servers[name].address, credentials.createInsecure()));
      // No handler runs for real: a call that gets this far is recorded and
      // answered ABORTED, so the sweep changes no data and every method answers alike.
      stack.setFault(name, (method) => {
        reached.add(`${name}.${method}`);
        throw new RpcError(status.ABORTED, REACHED);
      });
    }
  });

  after(async () => {
    for (const client of clients.values()) client.close();
    await stack.stop();
  });

  it('finds a generated definition for each of the six services', () => {
    assert.deepEqual([...new Set(services.map(({ service }) => service))].sort(), [...SERVICE_NAMES].sort());
  });

  for (const name of SERVICE_NAMES) {
    it(`${name}: without the credential, or with a wrong one, every RPC is UNAUTHENTICATED before its handler runs`, async () => {
      const client = clients.get(name)!;
      const methods = services.filter(({ service }) => service === name).flatMap(({ definition }) => Object.entries(definition));
      assert.ok(methods.length > 0);
      const unproven: [string, Metadata][] = [
        ['no metadata', new Metadata()],
        ['a wrong secret', withSecret(WRONG_SECRET)],
        ['a wrong secret naming an admin', withSecret(WRONG_SECRET, { userId: seededUserId(1), roles: ['user', 'admin'] })],
        ['a user named without a secret', (() => {
          const metadata = new Metadata();
          metadata.set(IDENTITY_METADATA.userId, seededUserId(1));
          return metadata;
        })()],
        ['the right secret with an empty user id', withSecret(SECRET, { userId: '', roles: [] })],
      ];
      for (const [key, method] of methods) {
        for (const [how, metadata] of unproven) {
          const error = await callEmpty(client, method.path, metadata);
          assert.equal(error?.code, status.UNAUTHENTICATED, `${method.path} with ${how}: ${error ? status[error.code] : 'OK'}`);
          assert.equal(error.details, CALLER_NOT_PROVEN, `${method.path} with ${how}`);
        }
        assert.ok(!reached.has(`${name}.${key}`), `${method.path} reached its handler without the credential`);
      }
    });

    it(`${name}: with the credential, every RPC gets past the check, whether or not it names a user`, async () => {
      const client = clients.get(name)!;
      const methods = services.filter(({ service }) => service === name).flatMap(({ definition }) => Object.entries(definition));
      for (const [key, method] of methods) {
        for (const metadata of [identityMetadata(SECRET, null), identityMetadata(SECRET, { userId: seededUserId(1), roles: ['user'] })]) {
          const error = await callEmpty(client, method.path, metadata);
          assert.notEqual(error?.code, status.UNAUTHENTICATED, `${method.path}: ${error?.details}`);
          assert.equal(error?.details, REACHED, method.path);
        }
        assert.ok(reached.has(`${name}.${key}`), `${method.path} never reached its handler`);
      }
    });
  }
});

describe('the calls of the outside test are refused', () => {
  let stack: TestStack;
  let users: UnaryClient<typeof UsersServiceService>;
  let notifications: UnaryClient<typeof NotificationsServiceService>;
  const recipient = seededUserId(1);
  const asRecipient = () => identityMetadata(SECRET, { userId: recipient, roles: ['user'] });

  before(async () => {
    stack = await startStack();
    users = createUnaryClient(UsersServiceService, stack.servers.users.address);
    notifications = createUnaryClient(NotificationsServiceService, stack.servers.notifications.address);
  });

  after(async () => {
    users.close();
    notifications.close();
    await stack.stop();
  });

  it('harvesting e-mails with BatchGetUsers, with no metadata or a guessed secret, is UNAUTHENTICATED', async () => {
    const ids = Array.from({ length: TEST_SEED.users }, (_, at) => seededUserId(at + 1));
    await assertRpcError(users.api.batchGetUsers({ ids }), status.UNAUTHENTICATED);
    await assertRpcError(users.api.batchGetUsers({ ids }, { metadata: withSecret(WRONG_SECRET) }), status.UNAUTHENTICATED);
    // The same call from the gateway (or a service) is answered.
    const { users: found } = await users.api.batchGetUsers({ ids }, { metadata: identityMetadata(SECRET, null) });
    assert.equal(found.length, TEST_SEED.users);
  });

  it("marking someone's notifications read with MarkRead, with no metadata or a guessed secret, is UNAUTHENTICATED and changes nothing", async () => {
    const list = () => notifications.api.listNotifications({ recipientId: recipient, pageSize: 100, pageToken: '', unreadOnly: true }, { metadata: asRecipient() });
    const before = await list();
    assert.ok(before.unreadCount > 0);
    const forged = { recipientId: recipient, ids: before.notifications.map((n) => n.id) };
    await assertRpcError(notifications.api.markRead(forged), status.UNAUTHENTICATED);
    await assertRpcError(notifications.api.markRead(forged, { metadata: withSecret(WRONG_SECRET) }), status.UNAUTHENTICATED);
    const after = await list();
    assert.equal(after.unreadCount, before.unreadCount);
    assert.deepEqual(after.notifications.map((n) => n.id), before.notifications.map((n) => n.id));
  });
});

describe('services calling services send the credential', () => {
  let stack: TestStack;
  let auth: UnaryClient<typeof AuthServiceService>;
  let posts: UnaryClient<typeof PostsServiceService>;
  let relations: UnaryClient<typeof RelationsServiceService>;
  let notifications: UnaryClient<typeof NotificationsServiceService>;
  let recommendations: UnaryClient<typeof RecommendationsServiceService>;
  const as = (userId: string) => ({ metadata: identityMetadata(SECRET, { userId, roles: ['user'] }) });
  const asService = () => ({ metadata: identityMetadata(SECRET, null) });

  before(async () => {
    stack = await startStack();
    auth = createUnaryClient(AuthServiceService, stack.servers.auth.address);
    posts = createUnaryClient(PostsServiceService, stack.servers.posts.address);
    relations = createUnaryClient(RelationsServiceService, stack.servers.relations.address);
    notifications = createUnaryClient(NotificationsServiceService, stack.servers.notifications.address);
    recommendations = createUnaryClient(RecommendationsServiceService, stack.servers.recommendations.address);
  });

  after(async () => {
    for (const client of [auth, posts, relations, notifications, recommendations]) client.close();
    await stack.stop();
  });

  async function unread(recipientId: string) {
    const { notifications: list } = await notifications.api.listNotifications({ recipientId, pageSize: 100, pageToken: '', unreadOnly: true }, as(recipientId));
    return list;
  }

  it('auth creates the account in users, and the newcomer\'s like and follow reach notifications', async () => {
    // auth → users (CreateUser)
    const { userId: newcomer } = await auth.api.register(
      { username: 'credentialed', email: 'credentialed@example.com', password: 'a-long-enough-password', displayName: 'Credentialed' },
      asService(),
    );
    assert.ok(newcomer);

    // posts → notifications (post.liked, through the event bus)
    const author = seededUserId(1);
    const { pages: [page] } = await posts.api.batchListPostsByAuthor({ requests: [{ authorId: author, pageSize: 1, pageToken: '' }] }, asService());
    const post = page!.posts[0]!;
    await posts.api.likePost({ postId: post.id, userId: newcomer }, as(newcomer));
    const likes = await eventually('the like notification', async () => {
      const found = (await unread(author)).filter((n) => n.kind === NotificationKind.NOTIFICATION_KIND_LIKE && n.actorId === newcomer);
      return found.length > 0 ? found : undefined;
    });
    assert.deepEqual(likes.map((n) => n.postId), [post.id]);

    // relations → notifications (user.followed, through the event bus)
    const followee = seededUserId(2);
    assert.equal((await relations.api.follow({ followerId: newcomer, followeeId: followee }, as(newcomer))).created, true);
    const follows = await eventually('the follow notification', async () => {
      const found = (await unread(followee)).filter((n) => n.kind === NotificationKind.NOTIFICATION_KIND_FOLLOW && n.actorId === newcomer);
      return found.length > 0 ? found : undefined;
    });
    assert.equal(follows.length, 1);
  });

  it('recommendations reads the follow graph from relations', async () => {
    const user = seededUserId(1);
    const { recommendations: [suggested] } = await recommendations.api.batchGetRecommendations({ userIds: [user], limit: 5 }, asService());
    assert.equal(suggested?.userId, user);
    // Seeded users follow others, so friends of friends exist only if relations answered.
    assert.ok(suggested.recommendedUserIds.length > 0);
  });
});

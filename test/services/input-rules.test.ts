import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { status, type ServiceError } from '@grpc/grpc-js';
import { AuthServiceService } from '../../generated/proto/pinstack/auth/v1/auth.js';
import { PostsServiceService } from '../../generated/proto/pinstack/posts/v1/posts.js';
import { RelationsServiceService } from '../../generated/proto/pinstack/relations/v1/relations.js';
import { UsersServiceService } from '../../generated/proto/pinstack/users/v1/users.js';
import { MemoryCredentialsRepository, MemoryRefreshTokensRepository } from '../../services/auth/memory-repository.js';
import { seedCredentials } from '../../services/auth/seed.js';
import { createAuthService } from '../../services/auth/service.js';
import { createUnaryClient, type UnaryClient } from '../../services/common/client.js';
import { FIELD_VIOLATION_METADATA_KEY } from '../../services/common/errors.js';
import type { FieldRuleName } from '../../platform/rules/index.js';
import { DEFAULT_SEED, type SeedConfig } from '../../services/common/seed/config.js';
import { startServer, type RunningServer } from '../../services/common/server.js';
import { tokenConfigFromEnv } from '../../platform/token-config.js';
import { MemoryPostRepository } from '../../services/posts/memory-repository.js';
import { seedPosts } from '../../services/common/seed/posts.js';
import { createPostsService } from '../../services/posts/service.js';
import { MemoryRelationsRepository } from '../../services/relations/memory-repository.js';
import { seedFollows } from '../../services/relations/seed.js';
import { createRelationsService } from '../../services/relations/service.js';
import { MemoryUsersRepository } from '../../services/users/memory-repository.js';
import { seedUsers } from '../../services/common/seed/users.js';
import { createUsersService } from '../../services/users/service.js';
import { INPUT_CASES, type InputCase } from '../support/input-cases.js';

/*
 * The shared table of input cases (test/support/input-cases.ts) sent to the
 * services over gRPC, as test/gateway/input-rules.test.ts sends it through the
 * gateway. A refused case is INVALID_ARGUMENT naming the proto field; an
 * accepted one is used with the table's normalised value.
 */

const SEED: SeedConfig = { ...DEFAULT_SEED, users: 20, posts: 200, followsPerUser: 3, demoAccounts: 2 };
const USERS = seedUsers(SEED);
/** A query that finds at least one seeded user: the first letter of one's username. */
const SEARCHED = USERS[0]!.username.slice(0, 1);
const PASSWORD = 'a long enough password';
const IMAGE = 'https://img.example/case.jpg';


interface Clients {
  users: UnaryClient<typeof UsersServiceService>['api'];
  auth: UnaryClient<typeof AuthServiceService>['api'];
  posts: UnaryClient<typeof PostsServiceService>['api'];
  relations: UnaryClient<typeof RelationsServiceService>['api'];
}

/** How one field's cases are sent to its service. */
interface Probe {
  /** The proto field the service names. */
  readonly field: string;
  send(input: unknown, n: number): Promise<unknown>;
  /** Asserts that an accepted case was used with the table's value. */
  check(reply: unknown, accepted: { n: number; expected: unknown }): Promise<void> | void;
}

function probes({ users, auth, posts, relations }: Clients): Partial<Record<FieldRuleName, Probe>> {
  const register = (request: { username: string; email: string; password: string }) => auth.register({ ...request, displayName: 'Case' });
  const registered = async (reply: unknown) => {
    const [user] = (await users.batchGetUsers({ ids: [(reply as { userId: string }).userId] })).users;
    assert.ok(user);
    return user;
  };
  const updated = (reply: unknown) => (reply as { user: Record<string, unknown> }).user;
  const created = (reply: unknown) => (reply as { post: Record<string, unknown> }).post;
  const newPost = (fields: Record<string, unknown>) =>
    posts.createPost({ authorId: 'usr_1', title: 'A title', description: '', imageUrl: IMAGE, ...fields });
  const found = async (query: string) => (await users.searchUsers({ query, pageSize: 100 })).users.map((user) => user.id);
  /** A call the rule let through to the credential check, which refuses it: UNAUTHENTICATED, not INVALID_ARGUMENT. */
  const pastTheRule = (call: Promise<unknown>) =>
    call.then(
      () => 'signed in',
      (error: ServiceError) => {
        if (error.code === status.UNAUTHENTICATED) return 'refused as a credential';
        throw error;
      },
    );
  const takenAsCredential = (reply: unknown) => assert.ok(reply === 'signed in' || reply === 'refused as a credential');

  return {
    username: {
      field: 'username',
      send: (username, n) => register({ username: username as string, email: `username-${n}@cases.example`, password: PASSWORD }),
      check: async (reply, { expected }) => assert.equal((await registered(reply)).username, expected),
    },
    email: {
      field: 'email',
      send: (email, n) => register({ username: `email_case_${n}`, email: email as string, password: PASSWORD }),
      check: async (reply, { expected }) => assert.equal((await registered(reply)).email, expected),
    },
    password: {
      field: 'password',
      send: (password, n) => register({ username: `password_case_${n}`, email: `password-${n}@cases.example`, password: password as string }),
      // The password kept is the one that signs in.
      check: async (_reply, { n, expected }) => {
        await auth.login({ email: `password-${n}@cases.example`, password: expected as string });
      },
    },
    signInEmail: {
      field: 'email',
      send: (email) => pastTheRule(auth.login({ email: email as string, password: 'not the password' })),
      check: takenAsCredential,
    },
    signInPassword: {
      field: 'password',
      send: (password) => pastTheRule(auth.login({ email: 'nobody@cases.example', password: password as string })),
      check: takenAsCredential,
    },
    refreshToken: {
      field: 'refresh_token',
      send: (refreshToken) => pastTheRule(auth.refreshToken({ refreshToken: refreshToken as string })),
      check: takenAsCredential,
    },
    displayName: {
      field: 'display_name',
      send: (displayName) => users.updateProfile({ userId: 'usr_1', displayName: displayName as string }),
      check: (reply, { expected }) => assert.equal(updated(reply).displayName, expected),
    },
    bio: {
      field: 'bio',
      send: (bio) => users.updateProfile({ userId: 'usr_1', bio: bio as string }),
      check: (reply, { expected }) => assert.equal(updated(reply).bio, expected),
    },
    avatarUrl: {
      field: 'avatar_url',
      send: (avatarUrl) => users.updateProfile({ userId: 'usr_1', avatarUrl: avatarUrl as string }),
      check: (reply, { expected }) => assert.equal(updated(reply).avatarUrl, expected),
    },
    searchQuery: {
      field: 'query',
      send: (query) => users.searchUsers({ query: query as string, pageSize: 100 }),
      // The users found are those found for the normalised query.
      check: async (reply, { expected }) =>
        assert.deepEqual((reply as { users: { id: string }[] }).users.map((user) => user.id), await found(expected as string)),
    },
    title: {
      field: 'title',
      send: (title) => newPost({ title }),
      check: (reply, { expected }) => assert.equal(created(reply).title, expected),
    },
    description: {
      field: 'description',
      send: (description) => newPost({ description }),
      check: (reply, { expected }) => assert.equal(created(reply).description, expected),
    },
    imageUrl: {
      field: 'image_url',
      send: (imageUrl) => newPost({ imageUrl }),
      check: (reply, { expected }) => assert.equal(created(reply).imageUrl, expected),
    },
    id: {
      field: 'post_id',
      send: (postId) => posts.likePost({ postId: postId as string, userId: 'usr_1' }),
      check: (reply, { expected }) => assert.equal(created(reply).id, expected),
    },
    idList: {
      field: 'user_ids',
      send: (userIds) => relations.batchGetFollowStats({ userIds: userIds as string[] }),
      check: (reply, { expected }) =>
        assert.deepEqual((reply as { stats: { userId: string }[] }).stats.map((entry) => entry.userId), expected),
    },
    pageSize: {
      field: 'page_size',
      send: (pageSize) => users.searchUsers({ query: SEARCHED, pageSize: pageSize as number }),
      check: (reply, { expected }) => {
        const count = (reply as { users: unknown[] }).users.length;
        assert.ok(count >= 1 && count <= (expected as number), `${count} users for page_size ${String(expected)}`);
      },
    },
    cursor: {
      field: 'page_token',
      send: (pageToken) => posts.listFeed({ authorIds: USERS.map((user) => user.id), pageSize: 1, pageToken: pageToken as string }),
      check: (reply) => assert.equal((reply as { page: { posts: unknown[] } }).page.posts.length, 1),
    },
    idempotencyKey: {
      field: 'idempotency_key',
      send: (idempotencyKey, n) => newPost({ title: `Keyed ${n}`, idempotencyKey }),
      // A repeat under the normalised key answers with the same post: that is the key kept.
      check: async (reply, { n, expected }) => {
        const repeat = await newPost({ title: `Keyed ${n}`, idempotencyKey: expected });
        assert.equal(created(repeat).id, created(reply).id);
      },
    },
  };
}

describe('input rules at the services (gRPC)', () => {
  const servers: RunningServer[] = [];
  const closers: (() => void)[] = [];
  let clients: Clients;
  let n = 0;

  const start = async (name: string, services: Parameters<typeof startServer>[0]['services']) => {
    const server = await startServer({ name, address: '127.0.0.1:0', services });
    servers.push(server);
    return server.address;
  };
  const client = <S extends Parameters<typeof createUnaryClient>[0]>(definition: S, address: string) => {
    const created = createUnaryClient(definition, address);
    closers.push(() => created.close());
    return created.api;
  };

  before(async () => {
    const users = client(UsersServiceService, await start('users', [createUsersService({ repository: new MemoryUsersRepository(USERS) })]));
    const authAddress = await start('auth', [
      createAuthService({
        credentials: new MemoryCredentialsRepository(await seedCredentials(SEED)),
        refreshTokens: new MemoryRefreshTokensRepository(),
        users,
        tokens: tokenConfigFromEnv({ JWT_SECRET: 'a-test-secret-that-is-long-enough-for-hs256' }),
      }),
    ]);
    const postsAddress = await start('posts', [createPostsService({ repository: new MemoryPostRepository(seedPosts(SEED)) })]);
    const relationsAddress = await start('relations', [createRelationsService({ repository: new MemoryRelationsRepository(seedFollows(SEED)) })]);
    clients = {
      users,
      auth: client(AuthServiceService, authAddress),
      posts: client(PostsServiceService, postsAddress),
      relations: client(RelationsServiceService, relationsAddress),
    };
  });

  after(async () => {
    for (const close of closers) close();
    for (const server of servers) await server.shutdown();
  });

  for (const name of Object.keys(INPUT_CASES) as FieldRuleName[]) {
    describe(name, () => {
      const probe = () => probes(clients)[name]!;
      for (const entry of INPUT_CASES[name] as readonly InputCase<unknown, unknown>[]) {
        const { outcome } = entry;
        // A value gRPC cannot carry unchanged (a lone surrogate is not UTF-8) never reaches a service: the gateway's test covers it.
        if (entry.grpc === false) continue;
        const options = {};
        if (!outcome.accepted) {
          it(`refuses ${entry.name}: INVALID_ARGUMENT naming the field`, options, async () => {
            const { field } = probe();
            await assert.rejects(probe().send(entry.input, ++n), (error: ServiceError) => {
              assert.equal(error.code, status.INVALID_ARGUMENT, error.details);
              const [named] = error.metadata.get(FIELD_VIOLATION_METADATA_KEY);
              // A list entry is named by its position (`user_ids[1]`).
              assert.ok(named === field || String(named).startsWith(`${field}[`), `named ${String(named)}`);
              return true;
            });
          });
          continue;
        }
        it(`accepts ${entry.name}`, options, async () => {
          const number = ++n;
          if (entry.namesNothing) {
            await assert.rejects(probe().send(entry.input, number), (error: ServiceError) => error.code === status.NOT_FOUND);
            return;
          }
          const reply = await probe().send(entry.input, number);
          await probe().check(reply, { n: number, expected: outcome.value });
        });
      }
    });
  }
});

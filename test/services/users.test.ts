import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { UsersServiceService } from '../../generated/proto/pinstack/users/v1/users.js';
import { createUnaryClient, type UnaryClient } from '../../services/common/client.js';
import { RUN_TIME_ID, idTime } from '../../services/common/ids.js';
import { DEFAULT_SEED, type SeedConfig } from '../../services/common/seed/config.js';
import { startServer, type RunningServer } from '../../services/common/server.js';
import { MemoryUsersRepository } from '../../services/users/memory-repository.js';
import type { UserRecord } from '../../services/users/repository.js';
import { seedUsers } from '../../services/common/seed/users.js';
import { createUsersService } from '../../services/users/service.js';
import { USERNAME_PATTERN } from '../../services/users/validation.js';
import { assertRpcError } from '../support/rpc.js';

type UsersClient = UnaryClient<typeof UsersServiceService>;

const SEED: SeedConfig = { ...DEFAULT_SEED, users: 50, demoAccounts: 2 };
const NOW = new Date('2026-11-24T12:00:00.000Z');


async function startUsers(initial: UserRecord[]): Promise<{ server: RunningServer; client: UsersClient }> {
  const repository = new MemoryUsersRepository(initial);
  const server = await startServer({
    name: 'users',
    address: '127.0.0.1:0',
    services: [createUsersService({ repository, now: () => NOW })],
  });
  return { server, client: createUnaryClient(UsersServiceService, server.address) };
}

describe('UsersService', () => {
  let server: RunningServer;
  let client: UsersClient;
  const seeded = seedUsers(SEED);

  before(async () => {
    ({ server, client } = await startUsers(seeded));
  });

  after(async () => {
    client.close();
    await server.shutdown();
  });

  describe('BatchGetUsers', () => {
    it('returns seeded profiles as they were seeded', async () => {
      const { users } = await client.api.batchGetUsers({ ids: ['usr_1', 'usr_50'] });
      assert.deepEqual(users, [seeded[0], seeded[49]]);
      assert.equal(users[0]!.email, 'user1@example.com');
    });

    it('an unknown id is absent from BatchGetUsers, not an error', async () => {
      const { users } = await client.api.batchGetUsers({ ids: ['usr_2', 'usr_999', '', 'nobody'] });
      assert.deepEqual(users.map((user) => user.id), ['usr_2']);
    });

    it('a repeated id comes back once', async () => {
      const { users } = await client.api.batchGetUsers({ ids: ['usr_3', 'usr_4', 'usr_3'] });
      assert.deepEqual(users.map((user) => user.id), ['usr_3', 'usr_4']);
    });

    it('more than 500 ids is INVALID_ARGUMENT on ids', async () => {
      const ids = Array.from({ length: 501 }, (_, at) => `usr_${at + 1}`);
      await assertRpcError(client.api.batchGetUsers({ ids }), status.INVALID_ARGUMENT, 'ids');
      assert.equal((await client.api.batchGetUsers({ ids: ids.slice(0, 500) })).users.length, 50);
    });
  });

  describe('CreateUser', () => {
    it('gives a new user a random id that tells its creation time, never a seeded one, and stores trimmed fields', async () => {
      const { user } = await client.api.createUser({ username: ' new_maker ', email: ' New.Maker@Example.com', displayName: '  New Maker ' });
      assert.match(user!.id, RUN_TIME_ID);
      assert.ok(user!.id.startsWith('usr_'));
      assert.equal(idTime(user!.id), NOW.getTime());
      assert.deepEqual(user, {
        id: user!.id,
        username: 'new_maker',
        displayName: 'New Maker',
        bio: '',
        avatarUrl: '',
        email: 'new.maker@example.com',
        createdAt: NOW,
      });
      const { users } = await client.api.batchGetUsers({ ids: [user!.id] });
      assert.deepEqual(users, [user]);
      assert.deepEqual((await client.api.batchGetUsers({ ids: ['usr_51'] })).users, [], 'no user is numbered after the seeded ones');
    });

    it('a taken username is ALREADY_EXISTS on username, whatever its case', async () => {
      const taken = seeded[0]!.username.toUpperCase();
      await assertRpcError(
        client.api.createUser({ username: taken, email: 'fresh1@example.com', displayName: 'Fresh' }),
        status.ALREADY_EXISTS,
        'username',
      );
    });

    it('a taken e-mail is ALREADY_EXISTS on email, whatever its case', async () => {
      await assertRpcError(
        client.api.createUser({ username: 'fresh_two', email: 'USER2@example.com', displayName: 'Fresh' }),
        status.ALREADY_EXISTS,
        'email',
      );
    });

    it('each invalid field is INVALID_ARGUMENT naming that field, and nothing is created', async () => {
      const valid = { username: 'valid_name', email: 'valid@example.com', displayName: 'Valid' };
      const cases = [
        [{ username: 'ab' }, 'username'],
        [{ username: 'a'.repeat(31) }, 'username'],
        [{ username: 'has space' }, 'username'],
        [{ username: 'dash-ed' }, 'username'],
        [{ email: 'not-an-email' }, 'email'],
        [{ email: 'two@@example.com' }, 'email'],
        [{ email: 'no-dot@example' }, 'email'],
        [{ displayName: '   ' }, 'display_name'],
        [{ displayName: 'x'.repeat(51) }, 'display_name'],
        [{ displayName: 'bell\u0007' }, 'display_name'],
        [{ displayName: 'left\u202Eright' }, 'display_name'],
        [{ displayName: '\u3164\u200B' }, 'display_name'],
      ] as const;
      for (const [change, field] of cases) {
        await assertRpcError(client.api.createUser({ ...valid, ...change }), status.INVALID_ARGUMENT, field);
      }
      const { users } = await client.api.searchUsers({ query: 'valid_name', pageSize: 10 });
      assert.deepEqual(users, []);
    });

    it('a 50-character display name of emoji is accepted: length counts characters', async () => {
      const { user } = await client.api.createUser({ username: 'emoji_fan', email: 'emoji@example.com', displayName: '📌'.repeat(50) });
      assert.equal(user?.displayName, '📌'.repeat(50));
    });
  });

  describe('UpdateProfile', () => {
    it('changes only the fields that are set', async () => {
      const before = seeded[5]!;
      const { user } = await client.api.updateProfile({ userId: before.id, bio: '  Ceramics, mostly.  ' });
      assert.deepEqual(user, { ...before, bio: 'Ceramics, mostly.' });
    });

    it('an empty bio or avatar_url clears the field', async () => {
      const { user } = await client.api.updateProfile({ userId: 'usr_7', bio: '', avatarUrl: '' });
      assert.equal(user?.bio, '');
      assert.equal(user?.avatarUrl, '');
      assert.equal(user?.displayName, seeded[6]!.displayName);
    });

    it('accepts an https avatar URL', async () => {
      const avatarUrl = 'https://cdn.example.org/me.png';
      const { user } = await client.api.updateProfile({ userId: 'usr_8', avatarUrl });
      assert.equal(user?.avatarUrl, avatarUrl);
    });

    it('an unknown user is NOT_FOUND', async () => {
      await assertRpcError(client.api.updateProfile({ userId: 'usr_404', bio: 'hello' }), status.NOT_FOUND);
    });

    it('invalid fields are INVALID_ARGUMENT naming the field, and change nothing', async () => {
      const cases = [
        [{ userId: '' }, 'user_id'],
        [{ displayName: '' }, 'display_name'],
        [{ bio: 'b'.repeat(501) }, 'bio'],
        [{ avatarUrl: 'javascript:alert(1)' }, 'avatar_url'],
        [{ avatarUrl: 'not a url' }, 'avatar_url'],
        [{ avatarUrl: `https://example.com/${'a'.repeat(2030)}` }, 'avatar_url'],
      ] as const;
      for (const [change, field] of cases) {
        const request = { userId: 'usr_9', bio: 'A new bio', ...change };
        await assertRpcError(client.api.updateProfile(request), status.INVALID_ARGUMENT, field);
      }
      const { users } = await client.api.batchGetUsers({ ids: ['usr_9'] });
      assert.deepEqual(users, [seeded[8]]);
    });
  });
});

describe('UsersService search', () => {
  let server: RunningServer;
  let client: UsersClient;
  const at = new Date('2026-10-01T00:00:00.000Z');
  const person = (id: string, username: string, displayName: string): UserRecord => ({
    id,
    username,
    displayName,
    bio: '',
    avatarUrl: '',
    email: `${username}@example.com`,
    createdAt: at,
  });

  before(async () => {
    ({ server, client } = await startUsers([
      person('usr_100', 'quill', 'Zed Alpha'),
      person('usr_20', 'quillon', 'Bea Beta'),
      person('usr_9', 'quill_pen', 'Quill Pen'),
      person('usr_3', 'mara', 'Mara Quillfeather'),
      person('usr_12', 'ink', 'Quill Ink'),
      person('usr_5', 'other', 'Nothing Here'),
      person('usr_6', 'ada_l', 'Ada   Lovelace'),
    ]));
  });

  after(async () => {
    client.close();
    await server.shutdown();
  });

  const search = async (query: string, pageSize = 0) =>
    (await client.api.searchUsers({ query, pageSize })).users.map((user) => user.id);

  it('ranks the exact username, then username prefixes, then display-name words, ties in id order', async () => {
    assert.deepEqual(await search('quill'), ['usr_100', 'usr_9', 'usr_20', 'usr_3', 'usr_12']);
  });

  it('ignores case and surrounding spaces', async () => {
    assert.deepEqual(await search('  QUILL '), await search('quill'));
  });

  it('page_size keeps the best matches', async () => {
    assert.deepEqual(await search('quill', 2), ['usr_100', 'usr_9']);
  });

  it('a query of several words matches consecutive words of the display name', async () => {
    assert.deepEqual(await search('ada love'), ['usr_6']);
    assert.deepEqual(await search('lovelace'), ['usr_6']);
    assert.deepEqual(await search('ada lovelace x'), []);
  });

  it('matches word prefixes only, not the middle of a word', async () => {
    assert.deepEqual(await search('feather'), []);
  });

  it('a renamed user is found by the new display name and no longer by the old one', async () => {
    await client.api.updateProfile({ userId: 'usr_5', displayName: 'Quillan Smith' });
    assert.deepEqual(await search('nothing'), []);
    assert.deepEqual(await search('smith'), ['usr_5']);
    assert.deepEqual(await search('quill'), ['usr_100', 'usr_9', 'usr_20', 'usr_3', 'usr_5', 'usr_12']);
  });

  it('an empty or over-long query is INVALID_ARGUMENT on query', async () => {
    await assertRpcError(client.api.searchUsers({ query: '   ', pageSize: 0 }), status.INVALID_ARGUMENT, 'query');
    await assertRpcError(client.api.searchUsers({ query: 'q'.repeat(101), pageSize: 0 }), status.INVALID_ARGUMENT, 'query');
  });

  it('a negative page_size is INVALID_ARGUMENT on page_size', async () => {
    await assertRpcError(client.api.searchUsers({ query: 'quill', pageSize: -1 }), status.INVALID_ARGUMENT, 'page_size');
  });
});

describe('seeded users', () => {
  it('are the same for the same config, with unique usernames that follow the rules', () => {
    const config = { ...DEFAULT_SEED, users: 1_000 };
    const users = seedUsers(config);
    assert.deepEqual(seedUsers(config), users);
    assert.deepEqual(users.map((user) => user.id).slice(0, 3), ['usr_1', 'usr_2', 'usr_3']);
    assert.equal(new Set(users.map((user) => user.username.toLowerCase())).size, users.length);
    for (const user of users) assert.match(user.username, USERNAME_PATTERN);
  });

  it('signed up in id order during the 90 days before the epoch', () => {
    const users = seedUsers(SEED);
    const times = users.map((user) => user.createdAt.getTime());
    assert.deepEqual([...times].sort((a, b) => a - b), times);
    assert.ok(times[0]! >= SEED.epoch.getTime() - 90 * 24 * 60 * 60 * 1000);
    assert.ok(times.at(-1)! < SEED.epoch.getTime());
  });
});

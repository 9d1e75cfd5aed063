import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { RelationsServiceService, type ListRequest } from '../../generated/proto/pinstack/relations/v1/relations.js';
import { createUnaryClient, type UnaryClient } from '../../services/common/client.js';
import { encodeCursor } from '../../services/common/pagination.js';
import { DEFAULT_SEED, type SeedConfig } from '../../services/common/seed/config.js';
import { startServer, type RunningServer, type ServiceBinding } from '../../services/common/server.js';
import { MemoryOutbox } from '../../services/common/events/outbox.js';
import { MemoryRelationsRepository } from '../../services/relations/memory-repository.js';
import { seedFollows } from '../../services/relations/seed.js';
import { createRelationsService } from '../../services/relations/service.js';
import { assertRpcError } from '../support/rpc.js';

type RelationsClient = UnaryClient<typeof RelationsServiceService>;


async function startRelations(service: ServiceBinding): Promise<{ server: RunningServer; client: RelationsClient }> {
  const server = await startServer({ name: 'relations', address: '127.0.0.1:0', services: [service] });
  return { server, client: createUnaryClient(RelationsServiceService, server.address) };
}

const list = (userId: string, pageSize = 0, pageToken = ''): ListRequest => ({ userId, pageSize, pageToken });

describe('RelationsService', () => {
  let server: RunningServer;
  let client: RelationsClient;
  const outbox = new MemoryOutbox();
  const repository = new MemoryRelationsRepository([], { outbox });

  before(async () => {
    ({ server, client } = await startRelations(createRelationsService({ repository })));
  });

  after(async () => {
    client.close();
    await server.shutdown();
  });

  const stats = async (...userIds: string[]) =>
    (await client.api.batchGetFollowStats({ userIds })).stats.map(({ followersCount, followingCount }) => [followersCount, followingCount]);

  describe('Follow and Unfollow', () => {
    it('following twice is one follow: created is true, then false', async () => {
      assert.deepEqual(await client.api.follow({ followerId: 'ann', followeeId: 'ben' }), { created: true });
      assert.deepEqual(await client.api.follow({ followerId: 'ann', followeeId: 'ben' }), { created: false });
      assert.deepEqual(await stats('ann', 'ben'), [[0, 1], [1, 0]]);
    });

    it('unfollowing twice is harmless: removed is true, then false', async () => {
      await client.api.follow({ followerId: 'cat', followeeId: 'dan' });
      assert.deepEqual(await client.api.unfollow({ followerId: 'cat', followeeId: 'dan' }), { removed: true });
      assert.deepEqual(await client.api.unfollow({ followerId: 'cat', followeeId: 'dan' }), { removed: false });
      assert.deepEqual(await stats('cat', 'dan'), [[0, 0], [0, 0]]);
    });

    it('a user cannot follow themselves: INVALID_ARGUMENT on followee_id', async () => {
      await assertRpcError(client.api.follow({ followerId: 'eve', followeeId: 'eve' }), status.INVALID_ARGUMENT, 'followee_id');
    });

    it('an empty or over-long id is INVALID_ARGUMENT naming the field', async () => {
      const long = 'x'.repeat(65);
      await assertRpcError(client.api.follow({ followerId: '', followeeId: 'ben' }), status.INVALID_ARGUMENT, 'follower_id');
      await assertRpcError(client.api.follow({ followerId: 'ann', followeeId: long }), status.INVALID_ARGUMENT, 'followee_id');
      await assertRpcError(client.api.unfollow({ followerId: long, followeeId: 'ben' }), status.INVALID_ARGUMENT, 'follower_id');
      assert.deepEqual(await client.api.follow({ followerId: 'ann', followeeId: 'x'.repeat(64) }), { created: true });
    });
  });

  describe('follow events', () => {
    /** The events recorded since the last call. */
    const drain = () => {
      const entries = outbox.peek(outbox.size).map(({ event }) => ({ type: event.type, actor: event.actor, subject: event.subject, payload: event.payload }));
      while (outbox.size > 0) outbox.shift();
      return entries;
    };

    it('a new follow records user.followed and a removal user.unfollowed; repeats record nothing', async () => {
      drain();
      await client.api.follow({ followerId: 'fan', followeeId: 'idol' });
      await client.api.follow({ followerId: 'fan', followeeId: 'idol' });
      await client.api.unfollow({ followerId: 'fan', followeeId: 'idol' });
      await client.api.unfollow({ followerId: 'fan', followeeId: 'idol' });
      await client.api.follow({ followerId: 'fan', followeeId: 'idol' });
      const payload = { followerId: 'fan', followeeId: 'idol' };
      assert.deepEqual(drain(), [
        { type: 'user.followed', actor: 'fan', subject: 'idol', payload },
        { type: 'user.unfollowed', actor: 'fan', subject: 'idol', payload },
        { type: 'user.followed', actor: 'fan', subject: 'idol', payload },
      ]);
    });

    it('a refused follow (of oneself) records nothing', async () => {
      drain();
      await assertRpcError(client.api.follow({ followerId: 'solo', followeeId: 'solo' }), status.INVALID_ARGUMENT, 'followee_id');
      assert.deepEqual(drain(), []);
    });
  });

  describe('BatchGetFollowStats and BatchGetFollowStatus', () => {
    it('stats answer every requested id, in order, with zeros for unknown ids', async () => {
      await client.api.follow({ followerId: 'gus', followeeId: 'hal' });
      await client.api.follow({ followerId: 'ivy', followeeId: 'hal' });
      const { stats: answer } = await client.api.batchGetFollowStats({ userIds: ['hal', 'unknown', 'gus', 'hal'] });
      assert.deepEqual(answer, [
        { userId: 'hal', followersCount: 2, followingCount: 0 },
        { userId: 'unknown', followersCount: 0, followingCount: 0 },
        { userId: 'gus', followersCount: 0, followingCount: 1 },
        { userId: 'hal', followersCount: 2, followingCount: 0 },
      ]);
    });

    it('status tells, for each id in order, whether the follower follows it', async () => {
      await client.api.follow({ followerId: 'jo', followeeId: 'kim' });
      const { statuses } = await client.api.batchGetFollowStatus({ followerId: 'jo', userIds: ['lee', 'kim', 'jo'] });
      assert.deepEqual(statuses, [
        { userId: 'lee', following: false },
        { userId: 'kim', following: true },
        { userId: 'jo', following: false },
      ]);
    });

    it('an empty id names its index, and more than 500 ids is INVALID_ARGUMENT on user_ids', async () => {
      await assertRpcError(client.api.batchGetFollowStats({ userIds: ['a', ''] }), status.INVALID_ARGUMENT, 'user_ids[1]');
      await assertRpcError(client.api.batchGetFollowStatus({ followerId: '', userIds: ['a'] }), status.INVALID_ARGUMENT, 'follower_id');
      const many = Array.from({ length: 501 }, (_, at) => `u${at}`);
      await assertRpcError(client.api.batchGetFollowStats({ userIds: many }), status.INVALID_ARGUMENT, 'user_ids');
    });
  });

  describe('BatchListFollowers and BatchListFollowing', () => {
    const fans = Array.from({ length: 25 }, (_, at) => `fan_${String(at + 1).padStart(2, '0')}`);
    const newestFirst = [...fans].reverse();

    before(async () => {
      for (const fan of fans) await client.api.follow({ followerId: fan, followeeId: 'star' });
    });

    it('pages through 25 followers newest first, without gaps or repeats', async () => {
      const seen: string[] = [];
      const hasNext: boolean[] = [];
      let token = '';
      do {
        assert.ok(hasNext.length < 5, 'more pages than followers allow');
        const { pages } = await client.api.batchListFollowers({ requests: [list('star', 10, token)] });
        const [page] = pages;
        assert.equal(page!.cursors.length, page!.userIds.length);
        seen.push(...page!.userIds);
        hasNext.push(page!.hasNextPage);
        token = page!.hasNextPage ? page!.cursors.at(-1)! : '';
      } while (token !== '');
      assert.deepEqual(seen, newestFirst);
      assert.deepEqual(hasNext, [true, true, false]);
    });

    it('a cursor from the middle of a page resumes right after that follower', async () => {
      const [first] = (await client.api.batchListFollowers({ requests: [list('star', 10)] })).pages;
      const [next] = (await client.api.batchListFollowers({ requests: [list('star', 3, first!.cursors[4])] })).pages;
      assert.deepEqual(next!.userIds, newestFirst.slice(5, 8));
    });

    it('a cursor still resumes at the same place after its follower unfollows', async () => {
      const [first] = (await client.api.batchListFollowers({ requests: [list('star', 2)] })).pages;
      await client.api.unfollow({ followerId: first!.userIds[1]!, followeeId: 'star' });
      const [next] = (await client.api.batchListFollowers({ requests: [list('star', 2, first!.cursors[1])] })).pages;
      assert.deepEqual(next!.userIds, newestFirst.slice(2, 4));
    });

    it('answers one page per request entry, in request order', async () => {
      await client.api.follow({ followerId: 'star', followeeId: 'fan_01' });
      const { pages } = await client.api.batchListFollowing({
        requests: [list('fan_03'), list('nobody'), list('star')],
      });
      assert.deepEqual(
        pages.map(({ userIds, hasNextPage }) => ({ userIds, hasNextPage })),
        [
          { userIds: ['star'], hasNextPage: false },
          { userIds: [], hasNextPage: false },
          { userIds: ['fan_01'], hasNextPage: false },
        ],
      );
    });

    // A page over the limit is refused, as the gateway refuses `first: 101`, not cut down (shared rule `pageSize`).
    it('reads up to 1000 followed accounts in one page, but followers 100 at most: a larger page is INVALID_ARGUMENT', async () => {
      // Set up straight in storage: the RPCs under test are the list calls.
      for (let n = 0; n < 150; n++) {
        await repository.follow('reader', `author_${n}`, new Date());
        await repository.follow(`crowd_${n}`, 'celebrity', new Date());
      }
      const [following] = (await client.api.batchListFollowing({ requests: [list('reader', 1000)] })).pages;
      assert.equal(following!.userIds.length, 150);
      assert.equal(following!.hasNextPage, false);
      const [followers] = (await client.api.batchListFollowers({ requests: [list('celebrity', 100)] })).pages;
      assert.equal(followers!.userIds.length, 100);
      assert.equal(followers!.hasNextPage, true);
      await assertRpcError(
        client.api.batchListFollowers({ requests: [list('celebrity', 101)] }),
        status.INVALID_ARGUMENT,
        'requests[0].page_size',
      );
      await assertRpcError(client.api.batchListFollowing({ requests: [list('reader', 1001)] }), status.INVALID_ARGUMENT, 'requests[0].page_size');
      const [byDefault] = (await client.api.batchListFollowing({ requests: [list('reader')] })).pages;
      assert.equal(byDefault!.userIds.length, 20);
    });

    it('a bad entry is INVALID_ARGUMENT naming the entry and its field', async () => {
      const bad = async (requests: ListRequest[], field: string) =>
        assertRpcError(client.api.batchListFollowers({ requests }), status.INVALID_ARGUMENT, field);
      await bad([list('star'), list('star', 10, 'not-a-cursor')], 'requests[1].page_token');
      await bad([list('star', 10, encodeCursor(['seven']))], 'requests[0].page_token');
      await bad([list('star', 10, encodeCursor([1, 2]))], 'requests[0].page_token');
      await bad([list('star', -1)], 'requests[0].page_size');
      await bad([list('star'), list('')], 'requests[1].user_id');
    });
  });
});

describe('seeded follow graph', () => {
  const config: SeedConfig = { ...DEFAULT_SEED, users: 1_000 };
  const follows = seedFollows(config);

  it('is the same for the same config, with no self-follows and no repeats', () => {
    assert.deepEqual(seedFollows(config), follows);
    const pairs = new Set(follows.map((follow) => `${follow.followerId}>${follow.followeeId}`));
    assert.equal(pairs.size, follows.length);
    assert.ok(follows.every((follow) => follow.followerId !== follow.followeeId));
    const average = follows.length / config.users;
    assert.ok(average > config.followsPerUser * 0.8 && average < config.followsPerUser * 1.2, `average ${average}`);
  });

  it('gathers on a few popular accounts', () => {
    const followers = new Map<string, number>();
    for (const { followeeId } of follows) followers.set(followeeId, (followers.get(followeeId) ?? 0) + 1);
    const counts = [...followers.values()].sort((a, b) => a - b);
    const median = counts[Math.floor(counts.length / 2)]!;
    assert.ok(counts.at(-1)! > 5 * median, `most followed ${counts.at(-1)}, median ${median}`);
  });

  it('pages a seeded account’s followers newest first through the service', async () => {
    const small: SeedConfig = { ...DEFAULT_SEED, users: 50 };
    const seeded = seedFollows(small);
    const { server, client } = await startRelations(
      createRelationsService({ repository: new MemoryRelationsRepository(seeded) }),
    );
    try {
      const expected = seeded
        .filter((follow) => follow.followeeId === 'usr_1')
        .sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime())
        .map((follow) => follow.followerId);
      assert.ok(expected.length > 7);
      const seen: string[] = [];
      let token = '';
      do {
        assert.ok(seen.length <= expected.length, 'more followers listed than there are');
        const [page] = (await client.api.batchListFollowers({ requests: [list('usr_1', 7, token)] })).pages;
        seen.push(...page!.userIds);
        token = page!.hasNextPage ? page!.cursors.at(-1)! : '';
      } while (token !== '');
      assert.deepEqual(seen, expected);
      const [stats] = (await client.api.batchGetFollowStats({ userIds: ['usr_1'] })).stats;
      assert.equal(stats!.followersCount, expected.length);
    } finally {
      client.close();
      await server.shutdown();
    }
  });
});

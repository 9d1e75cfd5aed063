import assert from 'node:assert/strict';
import { after, before, describe, it } from '../support/skippable.js';
import { RedisVersionedStore } from '../../src/cache/versioned-store.js';
import { errorCodes, graphql } from '../support/graphql.js';
import { deleteKeys, redisClient, redisSkipReason, requireRedis, runPrefix, SHARED_REDIS_URL } from '../support/redis.js';
import { startStack, type TestStack } from '../support/stack.js';

const skip = await redisSkipReason();

/** Only fields the profile cache answers: a warm read of these costs no RPC. */
const CACHED_FIELDS = `query Profile($id: ID!) {
  profile(userId: $id) { user { id username displayName bio } followersCount followingCount recentPosts { id title } recommendations { id username } }
}`;

interface ProfileData {
  profile: {
    user: { id: string; username: string; displayName: string; bio: string };
    followersCount: number;
    followingCount: number;
    recentPosts: { id: string; title: string }[];
    recommendations: { id: string }[];
  };
}

describe('profile cache in Redis', { skip }, () => {
  const prefix = runPrefix('profile');
  const TTL_SECONDS = 30;
  let stack: TestStack;
  let redis: ReturnType<typeof redisClient>;

  before(async () => {
    await requireRedis();
    stack = await startStack({
      env: {
        REDIS_URL: SHARED_REDIS_URL,
        REDIS_KEY_PREFIX: prefix,
        PROFILE_CACHE_TTL_SECONDS: String(TTL_SECONDS),
        // The stampede stands in for a hundred readers, not one client with a hundred requests in flight.
        MAX_IN_FLIGHT_PER_CLIENT: '0',
      },
    });
    redis = redisClient(SHARED_REDIS_URL, prefix);
  });
  after(async () => {
    await stack?.stop();
    redis?.disconnect();
    await deleteKeys(SHARED_REDIS_URL, prefix);
  });

  async function rpcsFor<D>(run: () => Promise<D>): Promise<{ result: D; rpcs: Record<string, number> }> {
    const before = stack.callsByMethod();
    const result = await run();
    const rpcs: Record<string, number> = {};
    for (const [method, count] of Object.entries(stack.callsByMethod())) {
      if (count > (before[method] ?? 0)) rpcs[method] = count - (before[method] ?? 0);
    }
    return { result, rpcs };
  }

  const readProfile = (id: string, token?: string) => graphql<ProfileData>(stack.url, CACHED_FIELDS, { variables: { id }, token });

  it('a second read of a profile is answered from Redis without any RPC, and the entry lives no longer than the TTL', async () => {
    const cold = await rpcsFor(() => readProfile('usr_7'));
    assert.equal(cold.result.errors, undefined, JSON.stringify(cold.result.errors));
    assert.ok(Object.keys(cold.rpcs).length > 0);
    const warm = await rpcsFor(() => readProfile('usr_7'));
    assert.deepEqual(warm.rpcs, {});
    assert.deepEqual(warm.result.data, cold.result.data);
    const ttl = await redis.pttl('profile:{usr_7}');
    assert.ok(ttl > 0 && ttl <= TTL_SECONDS * 1000, `PTTL ${ttl}`);
  });

  it("privacy: B's e-mail never enters the cache, and A reading B's cached profile gets no e-mail and A's own follow state", async () => {
    const tokenB = await stack.login('user2@example.com');
    const tokenA = await stack.login('user1@example.com');
    const query = `query($id: ID!) { profile(userId: $id) { user { id email isFollowedByViewer } recentPosts { id likedByViewer } } }`;
    const idB = 'usr_2';

    const asB = await graphql<{ profile: { user: { email: string | null } } }>(stack.url, query, { variables: { id: idB }, token: tokenB });
    assert.equal(asB.errors, undefined, JSON.stringify(asB.errors));
    const emailB = asB.data!.profile.user.email;
    assert.equal(emailB, 'user2@example.com');

    const stored = await redis.get('profile:{usr_2}');
    assert.ok(stored, 'the profile was cached');
    assert.ok(!stored.includes(emailB), 'the entry holds no e-mail');
    for (const field of ['isFollowedByViewer', 'likedByViewer', 'viewerHasLiked', '"email":"u']) {
      assert.ok(!stored.includes(field), `the entry holds no ${field}`);
    }

    const asA = await graphql<{ profile: { user: { email: string | null; isFollowedByViewer: boolean } } }>(stack.url, query, {
      variables: { id: idB },
      token: tokenA,
    });
    assert.equal(asA.data?.profile.user.email, null);
    assert.deepEqual(errorCodes(asA), ['FORBIDDEN']);
    const direct = await graphql<{ user: { isFollowedByViewer: boolean } }>(stack.url, `{ user(id: "usr_2") { isFollowedByViewer } }`, { token: tokenA });
    assert.equal(asA.data?.profile.user.isFollowedByViewer, direct.data?.user.isFollowedByViewer);
  });

  it('stampede: 100 concurrent profile queries for a cold key cause one fan-out', async () => {
    const one = await rpcsFor(() => readProfile('usr_12'));
    assert.ok((one.rpcs['users.BatchGetUsers'] ?? 0) > 0 && (one.rpcs['posts.BatchListPostsByAuthor'] ?? 0) > 0);
    const { result, rpcs } = await rpcsFor(() => Promise.all(Array.from({ length: 100 }, () => readProfile('usr_11'))));
    for (const response of result) assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    assert.ok(result.every((response) => JSON.stringify(response.data) === JSON.stringify(result[0]!.data)));
    // Every service sees what one cold read of one profile costs, not 100 times that.
    assert.deepEqual(rpcs, one.rpcs);
  });

  it('a slow fill that began before an invalidation never overwrites it', async () => {
    const store = new RedisVersionedStore(redis);
    const key = 'profile:{usr_slow}';
    const read = await store.read(key);
    await store.invalidate([key]);
    assert.equal(await store.fill(key, read.version, '{"stale":true}', 30_000), false);
    assert.deepEqual((await store.read(key)).value, null);
    const fresh = await store.read(key);
    assert.equal(await store.fill(key, fresh.version, '{"fresh":true}', 30_000), true);
    assert.equal((await store.read(key)).value, '{"fresh":true}');
  });

  describe('writes through the gateway invalidate at once', () => {
    let token: string;
    let viewerId: string;

    before(async () => {
      token = await stack.login('user3@example.com');
      viewerId = 'usr_3';
    });

    async function cachedThenChanged(id: string, write: () => Promise<unknown>): Promise<{ before: ProfileData; after: ProfileData }> {
      const first = await readProfile(id);
      await readProfile(id);
      assert.ok(await redis.exists(`profile:{${id}}`), 'the profile was cached before the write');
      await write();
      const second = await readProfile(id);
      assert.equal(second.errors, undefined, JSON.stringify(second.errors));
      return { before: first.data!, after: second.data! };
    }

    async function mutate<D>(query: string, variables: Record<string, unknown> = {}): Promise<D> {
      const response = await graphql<D>(stack.url, query, { variables, token });
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      return response.data!;
    }

    it('updateProfile: the next read shows the new bio', async () => {
      const bio = `bio ${Date.now()}`;
      const { after } = await cachedThenChanged(viewerId, () => mutate(`mutation($bio: String) { updateProfile(input: { bio: $bio }) { id } }`, { bio }));
      assert.equal(after.profile.user.bio, bio);
    });

    it('follow and unfollow: both users show the new counts', async () => {
      const target = 'usr_40';
      const isFollowing = await graphql<{ user: { isFollowedByViewer: boolean } }>(stack.url, `{ user(id: "${target}") { isFollowedByViewer } }`, { token });
      const [first, second] = isFollowing.data!.user.isFollowedByViewer ? ['unfollow', 'follow'] : ['follow', 'unfollow'];
      for (const operation of [first, second]) {
        const sign = operation === 'follow' ? 1 : -1;
        const viewerBefore = (await readProfile(viewerId)).data!.profile.followingCount;
        const { before, after } = await cachedThenChanged(target, () => mutate(`mutation { ${operation}(userId: "${target}") { id } }`));
        assert.equal(after.profile.followersCount, before.profile.followersCount + sign, operation);
        assert.equal((await readProfile(viewerId)).data!.profile.followingCount, viewerBefore + sign, operation);
      }
    });

    it('createPost and deletePost: the author profile lists the post, then no longer', async () => {
      let postId = '';
      const created = await cachedThenChanged(viewerId, async () => {
        const data = await mutate<{ createPost: { id: string } }>(
          `mutation { createPost(input: { title: "cache test", imageUrl: "https://example.com/a.jpg" }) { id } }`,
        );
        postId = data.createPost.id;
      });
      assert.equal(created.after.profile.recentPosts[0]?.id, postId);
      const deleted = await cachedThenChanged(viewerId, () => mutate(`mutation($id: ID!) { deletePost(id: $id) }`, { id: postId }));
      assert.ok(!deleted.after.profile.recentPosts.some((post) => post.id === postId));
    });

    it("likePost and unlikePost: the author's cached profile is dropped", async () => {
      const { profile } = (await readProfile('usr_9')).data!;
      const postId = profile.recentPosts[0]!.id;
      for (const operation of ['likePost', 'unlikePost']) {
        await readProfile('usr_9');
        assert.ok(await redis.exists('profile:{usr_9}'));
        await graphql(stack.url, `mutation($id: ID!) { ${operation}(postId: $id) { id } }`, { variables: { id: postId }, token });
        assert.equal(await redis.exists('profile:{usr_9}'), 0, operation);
      }
    });
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { status } from '@grpc/grpc-js';
import { PostsServiceService, type Post } from '../../generated/proto/pinstack/posts/v1/posts.js';
import { createUnaryClient, type UnaryClient } from '../../services/common/client.js';
import { DEFAULT_SEED } from '../../services/common/seed/config.js';
import { startServer, type RunningServer } from '../../services/common/server.js';
import { MemoryOutbox } from '../../services/common/events/outbox.js';
import { DEFAULT_IDEMPOTENCY_KEY_TTL_MS, MemoryPostRepository } from '../../services/posts/memory-repository.js';
import type { PostRecord } from '../../services/posts/repository.js';
import { seedPosts, type PostSeed } from '../../services/common/seed/posts.js';
import { createPostsService } from '../../services/posts/service.js';
import { RUN_TIME_ID, idTime } from '../../services/common/ids.js';
import { assertRpcError } from '../support/rpc.js';

const BASE = Date.parse('2026-10-01T00:00:00.000Z');

/**
 * 30 posts by usr_1…usr_4, three to a second, so that many share a creation
 * time and paging must fall back on the id to keep its order.
 */
function tiedPosts(): PostRecord[] {
  return Array.from({ length: 30 }, (_, i) => {
    const n = i + 1;
    return {
      id: `pst_${n}`,
      authorId: `usr_${((n * 7) % 4) + 1}`,
      title: `Post ${n}`,
      description: '',
      imageUrl: `https://images.pinstack.dev/pins/${n}.jpg`,
      createdAt: BASE + Math.floor(n / 3) * 1000,
    };
  });
}

/** The feed order written out independently: newest first, then the greater id. */
function newestFirst(posts: readonly PostRecord[]): string[] {
  return [...posts]
    .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
    .map((post) => post.id);
}

interface PostsFixture {
  server: RunningServer;
  client: UnaryClient<typeof PostsServiceService>;
  close(): Promise<void>;
}

async function startPosts(seed: PostSeed, outbox?: MemoryOutbox): Promise<PostsFixture> {
  const repository = new MemoryPostRepository(seed, { outbox });
  // An hour after the seeded posts, moving one millisecond per post as a real
  // clock would: posts made in one millisecond have no order but their ids'.
  let clock = BASE + 3_600_000;
  const server = await startServer({
    name: 'posts',
    address: '127.0.0.1:0',
    services: [createPostsService({ repository, now: () => clock++ })],
  });
  const client = createUnaryClient(PostsServiceService, server.address);
  return {
    server,
    client,
    async close() {
      client.close();
      await server.shutdown();
    },
  };
}


describe('posts service: reading', () => {
  const posts = tiedPosts();
  let fixture: PostsFixture;
  before(async () => {
    fixture = await startPosts({ posts, likes: [['pst_1', 'usr_9'], ['pst_1', 'usr_8'], ['pst_2', 'usr_9']] });
  });
  after(() => fixture.close());

  it('returns only posts that exist, each once, in request order', async () => {
    const { posts: found } = await fixture.client.api.batchGetPosts({ ids: ['pst_3', 'pst_999', 'pst_1', 'pst_3', ''] });
    assert.deepEqual(found.map((post) => post.id), ['pst_3', 'pst_1']);
    assert.equal(found[0]!.title, 'Post 3');
    assert.deepEqual(found[0]!.createdAt, new Date(BASE + 1000));
  });

  it('rejects a batch of more than 500 ids, naming the field', async () => {
    const ids = Array.from({ length: 501 }, (_, i) => `pst_${i + 1}`);
    await assertRpcError(fixture.client.api.batchGetPosts({ ids }), status.INVALID_ARGUMENT, 'ids');
  });

  it('gives like stats for existing posts only, and liked_by_viewer false for an anonymous viewer', async () => {
    const api = fixture.client.api;
    const anonymous = await api.batchGetLikeStats({ postIds: ['pst_1', 'pst_2', 'pst_404', 'pst_3'], viewerId: '' });
    assert.deepEqual(anonymous.stats, [
      { postId: 'pst_1', likesCount: 2, likedByViewer: false },
      { postId: 'pst_2', likesCount: 1, likedByViewer: false },
      { postId: 'pst_3', likesCount: 0, likedByViewer: false },
    ]);
    const viewer = await api.batchGetLikeStats({ postIds: ['pst_1', 'pst_3'], viewerId: 'usr_9' });
    assert.deepEqual(viewer.stats.map((entry) => entry.likedByViewer), [true, false]);
  });

  it("lists each author's posts newest first, one page per request entry in request order", async () => {
    const { pages } = await fixture.client.api.batchListPostsByAuthor({
      requests: [
        { authorId: 'usr_2', pageSize: 3, pageToken: '' },
        { authorId: 'usr_nobody', pageSize: 3, pageToken: '' },
        { authorId: 'usr_1', pageSize: 100, pageToken: '' },
      ],
    });
    assert.equal(pages.length, 3);
    const byAuthor = (author: string) => posts.filter((post) => post.authorId === author);
    assert.deepEqual(pages[0]!.posts.map((post) => post.id), newestFirst(byAuthor('usr_2')).slice(0, 3));
    assert.equal(pages[0]!.hasNextPage, true);
    assert.equal(pages[0]!.cursors.length, 3);
    assert.deepEqual(pages[1], { posts: [], cursors: [], hasNextPage: false });
    assert.deepEqual(pages[2]!.posts.map((post) => post.id), newestFirst(byAuthor('usr_1')));
    assert.equal(pages[2]!.hasNextPage, false);
  });

  it("pages through an author's posts from any post's cursor without gaps or repeats", async () => {
    const expected = newestFirst(posts.filter((post) => post.authorId === 'usr_3'));
    const seen: string[] = [];
    let pageToken = '';
    for (;;) {
      const { pages } = await fixture.client.api.batchListPostsByAuthor({ requests: [{ authorId: 'usr_3', pageSize: 2, pageToken }] });
      const page = pages[0]!;
      seen.push(...page.posts.map((post) => post.id));
      if (!page.hasNextPage) break;
      pageToken = page.cursors.at(-1)!;
    }
    assert.deepEqual(seen, expected);
  });

  it('merges the feed newest first, breaking ties on the id', async () => {
    const { page } = await fixture.client.api.listFeed({ authorIds: ['usr_1', 'usr_2', 'usr_3'], pageSize: 100, pageToken: '' });
    const followed = posts.filter((post) => post.authorId !== 'usr_4');
    assert.deepEqual(page!.posts.map((post) => post.id), newestFirst(followed));
    assert.equal(page!.hasNextPage, false);
  });

  it('pages through the feed without gaps or repeats, even across posts created at the same time', async () => {
    const authorIds = ['usr_3', 'usr_1', 'usr_2', 'usr_1', 'usr_unknown'];
    const expected = newestFirst(posts.filter((post) => post.authorId !== 'usr_4'));
    const seen: string[] = [];
    let pageToken = '';
    let pagesRead = 0;
    for (;;) {
      const { page } = await fixture.client.api.listFeed({ authorIds, pageSize: 4, pageToken });
      pagesRead++;
      assert.ok(page!.posts.length <= 4);
      assert.equal(page!.cursors.length, page!.posts.length);
      seen.push(...page!.posts.map((post: Post) => post.id));
      if (!page!.hasNextPage) break;
      pageToken = page!.cursors.at(-1)!;
    }
    assert.deepEqual(seen, expected);
    assert.equal(pagesRead, Math.ceil(expected.length / 4));
  });

  it('resumes the feed from a cursor in the middle of a page', async () => {
    const authorIds = ['usr_1', 'usr_2'];
    const full = await fixture.client.api.listFeed({ authorIds, pageSize: 10, pageToken: '' });
    const resumed = await fixture.client.api.listFeed({ authorIds, pageSize: 5, pageToken: full.page!.cursors[4]! });
    assert.deepEqual(
      resumed.page!.posts.map((post) => post.id),
      full.page!.posts.slice(5, 10).map((post) => post.id),
    );
  });

  it('gives an empty feed for authors with no posts', async () => {
    const { page } = await fixture.client.api.listFeed({ authorIds: ['usr_none'], pageSize: 10, pageToken: '' });
    assert.deepEqual(page, { posts: [], cursors: [], hasNextPage: false });
  });

  it('rejects a page token it did not issue, and a negative page size', async () => {
    await assertRpcError(
      fixture.client.api.listFeed({ authorIds: ['usr_1'], pageSize: 5, pageToken: 'not-a-cursor' }),
      status.INVALID_ARGUMENT,
      'page_token',
    );
    await assertRpcError(
      fixture.client.api.listFeed({ authorIds: ['usr_1'], pageSize: -1, pageToken: '' }),
      status.INVALID_ARGUMENT,
      'page_size',
    );
  });

  it('rejects a feed of more than 5,000 authors', async () => {
    const authorIds = Array.from({ length: 5_001 }, (_, i) => `usr_${i + 1}`);
    await assertRpcError(fixture.client.api.listFeed({ authorIds, pageSize: 5, pageToken: '' }), status.INVALID_ARGUMENT, 'author_ids');
  });
});

describe('posts service: writing', () => {
  let fixture: PostsFixture;
  before(async () => {
    fixture = await startPosts({ posts: tiedPosts(), likes: [] });
  });
  after(() => fixture.close());

  const valid = { authorId: 'usr_1', title: 'A title', description: '', imageUrl: 'https://images.pinstack.dev/pins/new.jpg' };

  for (const [field, problem, request] of [
    ['author_id', 'no author', { ...valid, authorId: '' }],
    ['title', 'a blank title', { ...valid, title: '   ' }],
    ['title', 'a title of 201 characters', { ...valid, title: 'x'.repeat(201) }],
    ['description', 'a description of 5,001 characters', { ...valid, description: 'x'.repeat(5_001) }],
    ['title', 'a NUL in the title', { ...valid, title: 'a\u0000b' }],
    ['title', 'a right-to-left override in the title', { ...valid, title: 'invoice\u202Egnp.exe' }],
    ['title', 'a title of zero-width spaces only', { ...valid, title: '\u200B\u200B' }],
    ['description', 'a bidirectional isolate in the description', { ...valid, description: 'line\n\u2067hidden' }],
    ['image_url', 'no image URL', { ...valid, imageUrl: '' }],
    ['image_url', 'an ftp image URL', { ...valid, imageUrl: 'ftp://images.pinstack.dev/pins/1.jpg' }],
    ['image_url', 'an image URL that is not a URL', { ...valid, imageUrl: 'not a url' }],
    ['image_url', 'an image URL over 2,048 characters', { ...valid, imageUrl: `https://images.pinstack.dev/${'x'.repeat(2_048)}.jpg` }],
  ] as const) {
    it(`rejects a post with ${problem}, naming ${field}`, async () => {
      await assertRpcError(fixture.client.api.createPost(request), status.INVALID_ARGUMENT, field);
    });
  }

  it('concurrent createPost calls with one idempotency key create one post and all answer with it', async () => {
    const request = { ...valid, title: 'Sent three times', idempotencyKey: 'concurrent-key' };
    const answers = await Promise.all([1, 2, 3].map(() => fixture.client.api.createPost(request)));
    const ids = new Set(answers.map(({ post }) => post!.id));
    assert.equal(ids.size, 1);
    const { pages } = await fixture.client.api.batchListPostsByAuthor({ requests: [{ authorId: 'usr_1', pageSize: 50, pageToken: '' }] });
    assert.equal(pages[0]!.posts.filter((post) => post.title === 'Sent three times').length, 1);
  });

  it('rejects an idempotency key over 255 characters, naming idempotency_key', async () => {
    await assertRpcError(fixture.client.api.createPost({ ...valid, idempotencyKey: 'k'.repeat(256) }), status.INVALID_ARGUMENT, 'idempotency_key');
  });

  it('accepts a title of exactly 200 characters, counting an emoji as one', async () => {
    const { post } = await fixture.client.api.createPost({ ...valid, title: '📌'.repeat(200) });
    assert.equal([...post!.title].length, 200);
  });

  it('creates a trimmed post with a fresh id that leads its author\'s list and the feed', async () => {
    const { post } = await fixture.client.api.createPost({ ...valid, title: '  Fresh pin  ', description: ' Notes ' });
    assert.equal(post!.title, 'Fresh pin');
    assert.equal(post!.description, 'Notes');
    assert.match(post!.id, RUN_TIME_ID, 'a random, time-ordered id, never a seeded pst_<n>');
    assert.ok(post!.createdAt!.getTime() >= BASE + 3_600_000);
    assert.equal(idTime(post!.id), post!.createdAt!.getTime(), 'the id tells the time the post was made');

    const { pages } = await fixture.client.api.batchListPostsByAuthor({ requests: [{ authorId: 'usr_1', pageSize: 1, pageToken: '' }] });
    assert.equal(pages[0]!.posts[0]!.id, post!.id);
    const { page } = await fixture.client.api.listFeed({ authorIds: ['usr_1', 'usr_2'], pageSize: 1, pageToken: '' });
    assert.equal(page!.posts[0]!.id, post!.id);
  });

  it("refuses to delete another user's post, and the post still exists afterwards", async () => {
    const api = fixture.client.api;
    assert.notEqual((await api.batchGetPosts({ ids: ['pst_5'] })).posts[0]!.authorId, 'usr_intruder');
    await assertRpcError(api.deletePost({ id: 'pst_5', actorId: 'usr_intruder', actorIsAdmin: false }), status.PERMISSION_DENIED);
    const { posts } = await api.batchGetPosts({ ids: ['pst_5'] });
    assert.equal(posts.length, 1);
  });

  it('lets the author delete a post, which removes it, its likes and its place in listings', async () => {
    const api = fixture.client.api;
    const author = (await api.batchGetPosts({ ids: ['pst_6'] })).posts[0]!.authorId;
    await api.likePost({ postId: 'pst_6', userId: 'usr_9' });
    const { post } = await api.deletePost({ id: 'pst_6', actorId: author, actorIsAdmin: false });
    assert.equal(post!.id, 'pst_6');
    assert.deepEqual((await api.batchGetPosts({ ids: ['pst_6'] })).posts, []);
    assert.deepEqual((await api.batchGetLikeStats({ postIds: ['pst_6'], viewerId: 'usr_9' })).stats, []);
    const { page } = await api.listFeed({ authorIds: [author], pageSize: 100, pageToken: '' });
    assert.ok(!page!.posts.some((listed) => listed.id === 'pst_6'));
  });

  it("lets an admin delete anyone's post", async () => {
    const { post } = await fixture.client.api.deletePost({ id: 'pst_7', actorId: 'usr_admin', actorIsAdmin: true });
    assert.equal(post!.id, 'pst_7');
  });

  it('answers NOT_FOUND for deleting, liking or unliking a post that does not exist', async () => {
    const api = fixture.client.api;
    await assertRpcError(api.deletePost({ id: 'pst_404', actorId: 'usr_1', actorIsAdmin: true }), status.NOT_FOUND);
    await assertRpcError(api.likePost({ postId: 'pst_404', userId: 'usr_1' }), status.NOT_FOUND);
    await assertRpcError(api.unlikePost({ postId: 'pst_404', userId: 'usr_1' }), status.NOT_FOUND);
  });

  it('counts liking a post twice once, and unliking twice is harmless', async () => {
    const api = fixture.client.api;
    const first = await api.likePost({ postId: 'pst_10', userId: 'usr_8' });
    const second = await api.likePost({ postId: 'pst_10', userId: 'usr_8' });
    assert.deepEqual(first.stats, { postId: 'pst_10', likesCount: 1, likedByViewer: true });
    assert.deepEqual(second.stats, first.stats);
    assert.equal(second.post!.id, 'pst_10');

    const unliked = await api.unlikePost({ postId: 'pst_10', userId: 'usr_8' });
    const again = await api.unlikePost({ postId: 'pst_10', userId: 'usr_8' });
    assert.deepEqual(unliked.stats, { postId: 'pst_10', likesCount: 0, likedByViewer: false });
    assert.deepEqual(again.stats, unliked.stats);
  });

  it('rejects a like without a user, naming the field', async () => {
    await assertRpcError(fixture.client.api.likePost({ postId: 'pst_10', userId: '' }), status.INVALID_ARGUMENT, 'user_id');
  });
});

describe('posts service: writes record their events in the outbox', () => {
  let outbox: MemoryOutbox;
  let fixture: PostsFixture;
  before(async () => {
    outbox = new MemoryOutbox();
    fixture = await startPosts({ posts: tiedPosts(), likes: [] }, outbox);
  });
  after(() => fixture.close());

  /** The events recorded since the last call, as type, actor, subject and payload. */
  const drain = () => {
    const entries = outbox.peek(outbox.size).map(({ event }) => ({ type: event.type, actor: event.actor, subject: event.subject, payload: event.payload }));
    while (outbox.size > 0) outbox.shift();
    return entries;
  };

  it('a new like records post.liked once, however often it is repeated; an unlike records post.unliked', async () => {
    const author = (await fixture.client.api.batchGetPosts({ ids: ['pst_12'] })).posts[0]!.authorId;
    drain();
    await fixture.client.api.likePost({ postId: 'pst_12', userId: 'usr_liker' });
    await fixture.client.api.likePost({ postId: 'pst_12', userId: 'usr_liker' });
    await fixture.client.api.unlikePost({ postId: 'pst_12', userId: 'usr_liker' });
    await fixture.client.api.unlikePost({ postId: 'pst_12', userId: 'usr_liker' });
    const payload = { postId: 'pst_12', authorId: author, likerId: 'usr_liker' };
    assert.deepEqual(drain(), [
      { type: 'post.liked', actor: 'usr_liker', subject: 'pst_12', payload },
      { type: 'post.unliked', actor: 'usr_liker', subject: 'pst_12', payload },
    ]);
  });

  it('creating and deleting a post record post.created and post.deleted; a repeated create records nothing', async () => {
    drain();
    const request = { authorId: 'usr_1', title: 'Evented', description: '', imageUrl: 'https://images.pinstack.dev/pins/e.jpg', idempotencyKey: 'evented-1' };
    const { post } = await fixture.client.api.createPost(request);
    await fixture.client.api.createPost(request);
    await fixture.client.api.deletePost({ id: post!.id, actorId: 'usr_1', actorIsAdmin: false });
    const payload = { postId: post!.id, authorId: 'usr_1' };
    assert.deepEqual(drain(), [
      { type: 'post.created', actor: 'usr_1', subject: post!.id, payload },
      { type: 'post.deleted', actor: 'usr_1', subject: post!.id, payload },
    ]);
  });

  it('a write refused (no such post) records nothing', async () => {
    drain();
    await assertRpcError(fixture.client.api.likePost({ postId: 'pst_nope', userId: 'usr_liker' }), status.NOT_FOUND);
    assert.deepEqual(drain(), []);
  });

  it('with the outbox full, a like is refused as UNAVAILABLE and changes nothing', async () => {
    const full = new MemoryOutbox({ capacity: 1 });
    const isolated = await startPosts({ posts: tiedPosts(), likes: [] }, full);
    try {
      await isolated.client.api.likePost({ postId: 'pst_14', userId: 'usr_a' });
      await assertRpcError(isolated.client.api.likePost({ postId: 'pst_14', userId: 'usr_b' }), status.UNAVAILABLE);
      const { stats } = await isolated.client.api.batchGetLikeStats({ postIds: ['pst_14'], viewerId: 'usr_b' });
      assert.deepEqual(stats, [{ postId: 'pst_14', likesCount: 1, likedByViewer: false }]);
    } finally {
      await isolated.close();
    }
  });
});

describe('posts seed', () => {
  const config = { ...DEFAULT_SEED, users: 50, posts: 400, likesPerPost: 4 };

  it('is the same on every run', () => {
    assert.deepEqual(seedPosts(config), seedPosts(config));
  });

  it('numbers posts pst_1… in creation order, all before the epoch and within 90 days of it', () => {
    const { posts } = seedPosts(config);
    assert.deepEqual(posts.map((post) => post.id), Array.from({ length: 400 }, (_, i) => `pst_${i + 1}`));
    const epoch = config.epoch.getTime();
    for (const [i, post] of posts.entries()) {
      assert.ok(post.createdAt < epoch && post.createdAt >= epoch - 90 * 24 * 3_600_000);
      if (i > 0) assert.ok(post.createdAt >= posts[i - 1]!.createdAt);
      assert.match(post.imageUrl, /^https:\/\/images\.pinstack\.dev\/pins\/\d+\.jpg$/);
    }
  });

  it('gives about likesPerPost likes per post, never twice by one user and never by the author', () => {
    const { posts, likes } = seedPosts(config);
    const authors = new Map(posts.map((post) => [post.id, post.authorId]));
    const pairs = new Set(likes.map(([postId, userId]) => `${postId}/${userId}`));
    assert.equal(pairs.size, likes.length);
    for (const [postId, userId] of likes) assert.notEqual(userId, authors.get(postId));
    const average = likes.length / posts.length;
    assert.ok(average > 3 && average < 5, `average ${average}`);
  });
});

describe('posts repository: idempotency keys expire', () => {
  const post = { authorId: 'usr_1', title: 'Keyed', description: '', imageUrl: 'https://images.pinstack.dev/pins/keyed.jpg', createdAt: BASE };

  it('a key answers with its first post for 24 hours by default, and creates a new post once it has expired', async () => {
    let now = BASE;
    const repository = new MemoryPostRepository(undefined, { now: () => now });
    const first = await repository.create(post, 'day-key');
    assert.equal(first.created, true);

    now = BASE + DEFAULT_IDEMPOTENCY_KEY_TTL_MS - 1;
    const repeat = await repository.create(post, 'day-key');
    assert.deepEqual(repeat, { post: first.post, created: false });

    now = BASE + DEFAULT_IDEMPOTENCY_KEY_TTL_MS;
    const later = await repository.create(post, 'day-key');
    assert.equal(later.created, true);
    assert.notEqual(later.post.id, first.post.id);
    // The key now answers with the new post, for a lifetime counted from its new first use.
    now += DEFAULT_IDEMPOTENCY_KEY_TTL_MS - 1;
    assert.deepEqual(await repository.create(post, 'day-key'), { post: later.post, created: false });
  });

  it('the key lifetime is configurable', async () => {
    let now = BASE;
    const repository = new MemoryPostRepository(undefined, { idempotencyKeyTtlMs: 60_000, now: () => now });
    const first = await repository.create(post, 'minute-key');
    now += 59_999;
    assert.equal((await repository.create(post, 'minute-key')).post.id, first.post.id);
    now += 1;
    assert.notEqual((await repository.create(post, 'minute-key')).post.id, first.post.id);
  });

  it('expired keys are dropped, so the store holds only the keys used within one lifetime', async () => {
    let now = BASE;
    const repository = new MemoryPostRepository(undefined, { idempotencyKeyTtlMs: 60_000, now: () => now });
    for (let n = 0; n < 100; n++) {
      await repository.create(post, `burst-${n}`);
      now += 100;
    }
    assert.equal(repository.idempotencyKeyCount, 100);
    // Keys 0…49 have expired by now: only the later half of the burst is still held, with the new key.
    now = BASE + 60_000 + 4_950;
    await repository.create(post, 'after-burst');
    assert.equal(repository.idempotencyKeyCount, 51);
    now += 60_000;
    await repository.create(post);
    assert.equal(repository.idempotencyKeyCount, 0, 'a create without a key also drops expired ones');
  });
});

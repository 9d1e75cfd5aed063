import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { graphql } from '../support/graphql.js';
import { startStack, type TestStack } from '../support/stack.js';

interface Page<N> {
  edges: { cursor: string; node: N }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

describe('the GraphQL contract end to end', () => {
  let stack: TestStack;

  before(async () => {
    stack = await startStack();
  });
  after(() => stack.stop());

  it('a new account registers, posts, is followed, liked and notified, and reads its notifications', async () => {
    const registered = await graphql<{ register: { accessToken: string; refreshToken: string; user: { id: string; email: string } } }>(
      stack.url,
      `mutation { register(input: { username: "grace_h", email: "grace@example.org", password: "cobol-forever", displayName: "Grace" }) {
        accessToken refreshToken user { id email } } }`,
    );
    assert.equal(registered.errors, undefined, JSON.stringify(registered.errors));
    const grace = registered.data!.register;
    assert.equal(grace.user.email, 'grace@example.org');
    assert.ok(grace.refreshToken.length > 20);

    const loggedIn = await graphql<{ login: { user: { id: string } } }>(
      stack.url,
      `mutation { login(input: { email: "GRACE@example.org", password: "cobol-forever" }) { accessToken user { id } } }`,
    );
    assert.equal(loggedIn.data?.login.user.id, grace.user.id);

    const created = await graphql<{ createPost: { id: string; title: string; author: { id: string }; likesCount: number } }>(
      stack.url,
      `mutation { createPost(input: { title: "  Compilers  ", description: "A story", imageUrl: "https://img.example/c.jpg" }) {
        id title author { id } likesCount } }`,
      { token: grace.accessToken },
    );
    assert.equal(created.errors, undefined, JSON.stringify(created.errors));
    const post = created.data!.createPost;
    assert.equal(post.title, 'Compilers');
    assert.equal(post.author.id, grace.user.id);
    assert.equal(post.likesCount, 0);

    const ada = await stack.login('user1@example.com');
    const followed = await graphql<{ follow: { id: string; isFollowedByViewer: boolean; followersCount: number } }>(
      stack.url,
      `mutation($id: ID!) { follow(userId: $id) { id isFollowedByViewer followersCount } }`,
      { variables: { id: grace.user.id }, token: ada },
    );
    assert.equal(followed.errors, undefined, JSON.stringify(followed.errors));
    assert.deepEqual(followed.data?.follow, { id: grace.user.id, isFollowedByViewer: true, followersCount: 1 });

    const feed = await graphql<{ feed: Page<{ id: string }> }>(stack.url, `{ feed(first: 1) { edges { node { id } } } }`, { token: ada });
    assert.equal(feed.data?.feed.edges[0]?.node.id, post.id, 'the newest post of a followed account tops the feed');

    const liked = await graphql<{ likePost: { likesCount: number; likedByViewer: boolean } }>(
      stack.url,
      `mutation($id: ID!) { likePost(postId: $id) { likesCount likedByViewer } }`,
      { variables: { id: post.id }, token: ada },
    );
    assert.deepEqual(liked.data?.likePost, { likesCount: 1, likedByViewer: true });

    const notifications = await graphql<{
      notifications: Page<{ id: string; kind: string; actor: { id: string }; post: { id: string } | null; read: boolean }> & {
        unreadCount: number;
      };
    }>(stack.url, `{ notifications(first: 10) { unreadCount edges { node { id kind read actor { id } post { id } } } } }`, {
      token: grace.accessToken,
    });
    assert.equal(notifications.errors, undefined, JSON.stringify(notifications.errors));
    const nodes = notifications.data!.notifications.edges.map((edge) => edge.node);
    assert.deepEqual(
      nodes.map((node) => [node.kind, node.actor.id, node.post?.id ?? null]),
      [
        ['LIKE', 'usr_1', post.id],
        ['FOLLOW', 'usr_1', null],
      ],
    );
    assert.equal(notifications.data!.notifications.unreadCount, 2);

    const marked = await graphql<{ markNotificationsRead: number }>(
      stack.url,
      `mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }`,
      { variables: { ids: nodes.map((node) => node.id) }, token: grace.accessToken },
    );
    assert.equal(marked.data?.markNotificationsRead, 2);
    const unread = await graphql<{ notifications: { unreadCount: number; edges: unknown[] } }>(
      stack.url,
      `{ notifications(unreadOnly: true) { unreadCount edges { cursor } } }`,
      { token: grace.accessToken },
    );
    assert.deepEqual(unread.data?.notifications, { unreadCount: 0, edges: [] });

    const deleted = await graphql<{ deletePost: boolean }>(stack.url, `mutation($id: ID!) { deletePost(id: $id) }`, {
      variables: { id: post.id },
      token: grace.accessToken,
    });
    assert.equal(deleted.data?.deletePost, true);
    const gone = await graphql<{ post: null }>(stack.url, `query($id: ID!) { post(id: $id) { id } }`, { variables: { id: post.id } });
    assert.equal(gone.data?.post, null);
  });

  it('the feed pages newest first without gaps or repeats', async () => {
    const token = await stack.login('user3@example.com');
    const seen: { id: string; createdAt: string }[] = [];
    let after: string | null = null;
    for (let page = 0; page < 4; page += 1) {
      const response: Awaited<ReturnType<typeof graphql<{ feed: Page<{ id: string; createdAt: string }> }>>> = await graphql(
        stack.url,
        `query($after: String) { feed(first: 7, after: $after) { edges { cursor node { id createdAt } } pageInfo { hasNextPage endCursor } } }`,
        { variables: { after }, token },
      );
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      const connection = response.data!.feed;
      seen.push(...connection.edges.map((edge) => edge.node));
      assert.equal(connection.pageInfo.endCursor, connection.edges.at(-1)?.cursor ?? null);
      if (!connection.pageInfo.hasNextPage) break;
      after = connection.pageInfo.endCursor;
    }
    const whole = await graphql<{ feed: Page<{ id: string }> }>(stack.url, `{ feed(first: ${seen.length}) { edges { node { id } } } }`, {
      token,
    });
    assert.deepEqual(
      seen.map((post) => post.id),
      whole.data!.feed.edges.map((edge) => edge.node.id),
    );
    const times = seen.map((post) => Date.parse(post.createdAt));
    assert.deepEqual(times, [...times].sort((a, b) => b - a));
  });

  it('a profile shows the user, counts, recent posts and recommendations', async () => {
    const response = await graphql<{
      profile: {
        user: { id: string };
        followersCount: number;
        followingCount: number;
        recentPosts: { author: { id: string } }[];
        recommendations: { id: string }[];
      };
    }>(
      stack.url,
      `{ profile(userId: "usr_5") { user { id } followersCount followingCount recentPosts { author { id } } recommendations { id } } }`,
    );
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const profile = response.data!.profile;
    assert.equal(profile.user.id, 'usr_5');
    assert.ok(profile.followingCount > 0);
    assert.ok(profile.recentPosts.length > 0 && profile.recentPosts.length <= 12);
    assert.ok(profile.recentPosts.every((post) => post.author.id === 'usr_5'));
    assert.ok(profile.recommendations.length > 0);
    assert.ok(profile.recommendations.every((user) => user.id !== 'usr_5'));
  });

  it('updateProfile changes only the fields given, and the owner sees their e-mail through me', async () => {
    const token = await stack.login('user4@example.com');
    const response = await graphql<{ updateProfile: { displayName: string; bio: string; avatarUrl: string | null } }>(
      stack.url,
      `mutation { updateProfile(input: { bio: "Knits in the evening", avatarUrl: "" }) { displayName bio avatarUrl } }`,
      { token },
    );
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    assert.equal(response.data?.updateProfile.bio, 'Knits in the evening');
    assert.equal(response.data?.updateProfile.avatarUrl, null);
    assert.ok(response.data?.updateProfile.displayName);
    const me = await graphql<{ me: { id: string; email: string; bio: string } }>(stack.url, `{ me { id email bio } }`, { token });
    assert.deepEqual(me.data?.me, { id: 'usr_4', email: 'user4@example.com', bio: 'Knits in the evening' });
  });

  it('searchUsers finds users by username prefix', async () => {
    const target = await graphql<{ user: { username: string } }>(stack.url, `{ user(id: "usr_6") { username } }`);
    const username = target.data!.user.username;
    const response = await graphql<{ searchUsers: { id: string; username: string }[] }>(
      stack.url,
      `query($q: String!) { searchUsers(query: $q, first: 5) { id username } }`,
      { variables: { q: username.slice(0, 4).toUpperCase() } },
    );
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    assert.ok(response.data!.searchUsers.length <= 5);
    assert.ok(response.data!.searchUsers.some((user) => user.id === 'usr_6'), 'a case-insensitive prefix finds the user');
    const exact = await graphql<{ searchUsers: { id: string }[] }>(stack.url, `query($q: String!) { searchUsers(query: $q) { id } }`, {
      variables: { q: username },
    });
    assert.equal(exact.data?.searchUsers[0]?.id, 'usr_6');
  });

  it("a user's followers and following page through the follow graph", async () => {
    const response = await graphql<{
      user: { followingCount: number; following: Page<{ id: string; isFollowedByViewer: boolean }> };
    }>(stack.url, `{ user(id: "usr_7") { followingCount following(first: 3) { edges { node { id } } pageInfo { hasNextPage } } } }`);
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const user = response.data!.user;
    assert.equal(user.following.edges.length, Math.min(3, user.followingCount));
    assert.equal(user.following.pageInfo.hasNextPage, user.followingCount > 3);
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Metadata, status } from '@grpc/grpc-js';
import { PostsServiceService } from '../../generated/proto/pinstack/posts/v1/posts.js';
import { NotificationsServiceService } from '../../generated/proto/pinstack/notifications/v1/notifications.js';
import { createUnaryClient, type UnaryClient } from '../../services/common/client.js';
import { IDENTITY_METADATA, identityMetadata, serviceIdentityFromEnv } from '../../platform/identity.js';
import { errorCodes, graphql } from '../support/graphql.js';
import { assertRpcError } from '../support/rpc.js';
import { startStack, type TestStack } from '../support/stack.js';

const CREATE_POST = `mutation($title: String!) { createPost(input: { title: $title, imageUrl: "https://img.example/p.jpg" }) { id } }`;
const DELETE_POST = `mutation($id: ID!) { deletePost(id: $id) }`;
const READ_POST = `query($id: ID!) { post(id: $id) { id } }`;

describe('ownership through the gateway', () => {
  let stack: TestStack;
  let alice: string;
  let bob: string;

  before(async () => {
    stack = await startStack({ env: { ADMIN_USER_IDS: 'usr_3' } });
    alice = await stack.login('user1@example.com');
    bob = await stack.login('user2@example.com');
  });

  after(() => stack.stop());

  async function postBy(token: string, title: string): Promise<string> {
    const created = await graphql<{ createPost: { id: string } }>(stack.url, CREATE_POST, { variables: { title }, token });
    assert.ok(created.data?.createPost.id, JSON.stringify(created.errors));
    return created.data.createPost.id;
  }

  it("A reading B's e-mail is FORBIDDEN, while B's other fields and A's own e-mail arrive", async () => {
    const response = await graphql<{ me: { email: string }; user: { username: string; email: string | null } }>(
      stack.url,
      `{ me { email } user(id: "usr_2") { username email } }`,
      { token: alice },
    );
    assert.deepEqual(errorCodes(response), ['FORBIDDEN']);
    assert.deepEqual(response.errors?.[0]?.path, ['user', 'email']);
    assert.equal(response.data?.me.email, 'user1@example.com');
    assert.equal(response.data?.user.email, null);
    assert.ok(response.data?.user.username);
  });

  it('an anonymous reader asking for an e-mail is UNAUTHENTICATED', async () => {
    const response = await graphql(stack.url, `{ user(id: "usr_2") { username email } }`);
    assert.deepEqual(errorCodes(response), ['UNAUTHENTICATED']);
  });

  it("A deleting B's post is FORBIDDEN and the post is still there", async () => {
    const id = await postBy(bob, "Bob's pin");
    const response = await graphql(stack.url, DELETE_POST, { variables: { id }, token: alice });
    assert.deepEqual(errorCodes(response), ['FORBIDDEN']);
    assert.equal(response.data, null);
    const still = await graphql<{ post: { id: string } | null }>(stack.url, READ_POST, { variables: { id } });
    assert.equal(still.data?.post?.id, id);
  });

  it('the author deletes their own post', async () => {
    const id = await postBy(bob, 'Short-lived');
    const response = await graphql<{ deletePost: boolean }>(stack.url, DELETE_POST, { variables: { id }, token: bob });
    assert.equal(response.data?.deletePost, true);
    const gone = await graphql<{ post: unknown }>(stack.url, READ_POST, { variables: { id } });
    assert.equal(gone.data?.post, null);
  });

  it("an admin (named in ADMIN_USER_IDS) deletes someone else's post", async () => {
    const id = await postBy(bob, 'Against the rules');
    const admin = await stack.login('user3@example.com');
    const response = await graphql<{ deletePost: boolean }>(stack.url, DELETE_POST, { variables: { id }, token: admin });
    assert.equal(response.data?.deletePost, true, JSON.stringify(response.errors));
  });

  it('anonymous writes are UNAUTHENTICATED and reach no service', async () => {
    const before = stack.callsByMethod()['posts.CreatePost'] ?? 0;
    const response = await graphql(stack.url, CREATE_POST, { variables: { title: 'anonymous' } });
    assert.deepEqual(errorCodes(response), ['UNAUTHENTICATED']);
    assert.equal(stack.callsByMethod()['posts.CreatePost'] ?? 0, before);
  });

  it('a token without the write scope cannot write: FORBIDDEN', async () => {
    const readOnly = await stack.signToken({ sub: 'usr_1', roles: ['user'], scope: 'read' });
    const response = await graphql(stack.url, CREATE_POST, { variables: { title: 'read only' }, token: readOnly });
    assert.deepEqual(errorCodes(response), ['FORBIDDEN']);
    assert.match(response.errors?.[0]?.message ?? '', /write scope/);
  });

  it("A cannot mark B's notifications read: none change, and B still sees them unread", async () => {
    // A follows B, which notifies B.
    const followed = await graphql(stack.url, `mutation { follow(userId: "usr_2") { id } }`, { token: alice });
    assert.equal(followed.errors, undefined);
    const unread = `{ notifications(unreadOnly: true) { unreadCount edges { node { id } } } }`;
    const before = await graphql<{ notifications: { unreadCount: number; edges: { node: { id: string } }[] } }>(stack.url, unread, { token: bob });
    const ids = before.data!.notifications.edges.map((edge) => edge.node.id);
    assert.ok(ids.length > 0);

    const marked = await graphql<{ markNotificationsRead: number }>(stack.url, `mutation($ids: [ID!]!) { markNotificationsRead(ids: $ids) }`, {
      variables: { ids },
      token: alice,
    });
    assert.equal(marked.data?.markNotificationsRead, 0);
    const after = await graphql<{ notifications: { unreadCount: number } }>(stack.url, unread, { token: bob });
    assert.equal(after.data?.notifications.unreadCount, before.data!.notifications.unreadCount);
  });

  it('feed, me and notifications need a viewer: UNAUTHENTICATED without one', async () => {
    for (const query of ['{ me { id } }', '{ feed { edges { cursor } } }', '{ notifications { unreadCount } }']) {
      const response = await graphql(stack.url, query);
      assert.deepEqual(errorCodes(response), ['UNAUTHENTICATED'], query);
    }
  });
});

describe('services accept an identity only from the gateway', () => {
  let stack: TestStack;
  let posts: UnaryClient<typeof PostsServiceService>;
  let notifications: UnaryClient<typeof NotificationsServiceService>;
  const secret = serviceIdentityFromEnv({ NODE_ENV: 'test' }).secret;
  // Every call to a service carries the service credential; these name no user, as the gateway does for an anonymous viewer.
  const asService = () => ({ metadata: identityMetadata(secret, null) });

  before(async () => {
    stack = await startStack();
    posts = createUnaryClient(PostsServiceService, stack.servers.posts.address);
    notifications = createUnaryClient(NotificationsServiceService, stack.servers.notifications.address);
  });

  after(async () => {
    posts.close();
    notifications.close();
    await stack.stop();
  });

  it('a call claiming a user without the service secret is UNAUTHENTICATED and changes nothing', async () => {
    const forged = new Metadata();
    forged.set(IDENTITY_METADATA.userId, 'usr_1');
    forged.set(IDENTITY_METADATA.roles, 'admin');
    forged.set(IDENTITY_METADATA.secret, 'a-guess-at-the-service-secret');
    const { posts: [post] } = await posts.api.batchListPostsByAuthor({ requests: [{ authorId: 'usr_5', pageSize: 1, pageToken: '' }] }, asService()).then((r) => r.pages[0]!);
    assert.ok(post);
    await assertRpcError(posts.api.deletePost({ id: post.id, actorId: 'usr_1', actorIsAdmin: true }, { metadata: forged }), status.UNAUTHENTICATED);
    assert.equal((await posts.api.batchGetPosts({ ids: [post.id] }, asService())).posts.length, 1);
  });

  it('a write naming no verified user is UNAUTHENTICATED, even with the right fields', async () => {
    await assertRpcError(
      posts.api.createPost({ authorId: 'usr_1', title: 'Sneaked in', description: '', imageUrl: 'https://img.example/x.jpg' }, asService()),
      status.UNAUTHENTICATED,
    );
  });

  it('a verified user acting for someone else is PERMISSION_DENIED', async () => {
    const asAlice = identityMetadata(secret, { userId: 'usr_1', roles: ['user'] });
    await assertRpcError(notifications.api.markRead({ recipientId: 'usr_2', ids: ['ntf_1'] }, { metadata: asAlice }), status.PERMISSION_DENIED);
    await assertRpcError(
      notifications.api.listNotifications({ recipientId: 'usr_2', pageSize: 10, pageToken: '', unreadOnly: false }, { metadata: asAlice }),
      status.PERMISSION_DENIED,
    );
  });

  it('admin rights come from the verified roles, not from the request', async () => {
    const { posts: [post] } = await posts.api.batchListPostsByAuthor({ requests: [{ authorId: 'usr_6', pageSize: 1, pageToken: '' }] }, asService()).then((r) => r.pages[0]!);
    assert.ok(post);
    const asAlice = identityMetadata(secret, { userId: 'usr_1', roles: ['user'] });
    await assertRpcError(posts.api.deletePost({ id: post.id, actorId: 'usr_1', actorIsAdmin: true }, { metadata: asAlice }), status.PERMISSION_DENIED);
    assert.equal((await posts.api.batchGetPosts({ ids: [post.id] }, asService())).posts.length, 1);
  });

  it('the verified owner may write', async () => {
    const asAlice = identityMetadata(secret, { userId: 'usr_1', roles: ['user'] });
    const { post } = await posts.api.createPost(
      { authorId: 'usr_1', title: 'Through the front door', description: '', imageUrl: 'https://img.example/y.jpg' },
      { metadata: asAlice },
    );
    assert.equal(post?.authorId, 'usr_1');
  });
});

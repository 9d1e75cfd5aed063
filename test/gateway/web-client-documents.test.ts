import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import type { Gateway } from '../../src/gateway.js';
import { sha256 } from '../../src/persisted-queries/trusted-documents.js';
import { eventually } from '../support/eventually.js';
import { startStack, TEST_SEED, type TestStack } from '../support/stack.js';
import { connect, type SubscriptionClient } from '../support/subscriptions.js';
import { TRUSTED_MANIFEST } from '../support/web-client.js';

/** The web client's trusted documents, as GraphQL Code Generator writes them: `{ "<sha256>": "<document>" }`. */
const manifest = JSON.parse(readFileSync(TRUSTED_MANIFEST, 'utf8')) as Record<string, string>;

function operationOf(document: string): OperationDefinitionNode {
  const operations = parse(document).definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
  assert.equal(operations.length, 1, `one operation per document: ${document}`);
  return operations[0]!;
}

/** The manifest's hash of each operation, by name. */
const hashes = new Map(Object.entries(manifest).map(([hash, document]) => [operationOf(document).name!.value, hash]));
/** The manifest's subscriptions: they run over WebSocket. */
const subscriptions = new Set(Object.values(manifest).flatMap((document) => (operationOf(document).operation === 'subscription' ? [operationOf(document).name!.value] : [])));
/** Apollo's persisted-query extension naming a document by its hash. */
const byHashExtension = (hash: string) => ({ persistedQuery: { version: 1, sha256Hash: hash } });

interface Answer {
  status: number;
  data?: Record<string, unknown> | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string } }[];
}

/** Sends an operation by its hash alone, as the web client does, optionally as a signed-in viewer. */
async function byHash(url: string, hash: string, variables: Record<string, unknown>, token?: string): Promise<Answer> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ variables, extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }),
  });
  return { status: response.status, ...((await response.json()) as Omit<Answer, 'status'>) };
}

describe("the web client's trusted documents", () => {
  let stack: TestStack;
  let trusted: Gateway;
  const sockets: SubscriptionClient[] = [];

  before(async () => {
    stack = await startStack();
    trusted = await stack.startGateway({ PERSISTED_QUERIES: 'trusted', TRUSTED_DOCUMENTS: TRUSTED_MANIFEST });
  });
  after(async () => {
    for (const socket of sockets.splice(0)) await socket.dispose();
    await stack?.stop();
  });

  /** A graphql-ws connection to the trusted gateway, signed in with `token`. */
  const socketAs = async (token: string) => {
    const socket = connect(trusted.url, { authorization: `Bearer ${token}` });
    sockets.push(socket);
    await socket.connected;
    return socket;
  };
  const watchStreams = () => stack.servers.notifications.openStreams('WatchNotifications');

  it('every entry of the generated manifest is the SHA-256 of its document, one named operation each', () => {
    assert.ok(hashes.size >= 10, `the manifest holds ${hashes.size} operations`);
    assert.equal(hashes.size, Object.keys(manifest).length, 'operation names are unique');
    assert.deepEqual([...subscriptions].sort(), ['NotificationAdded', 'UnreadNotificationCount']);
    for (const [hash, document] of Object.entries(manifest)) assert.equal(sha256(document), hash);
  });

  it('a gateway with PERSISTED_QUERIES=trusted and that manifest runs each of the documents by its hash', async () => {
    const suffix = Date.now().toString(36);
    const run = async (name: string, variables: Record<string, unknown>, token?: string) => {
      const hash = hashes.get(name);
      assert.ok(hash, `the manifest has no ${name}`);
      ran.add(name);
      const answer = await byHash(trusted.url, hash, variables, token);
      assert.equal(answer.status, 200, `${name}: ${JSON.stringify(answer.errors)}`);
      assert.equal(answer.errors, undefined, `${name}: ${JSON.stringify(answer.errors)}`);
      assert.ok(answer.data, name);
      return answer.data as Record<string, Record<string, unknown>>;
    };
    const ran = new Set<string>();
    const demo = { email: 'user1@example.com', password: TEST_SEED.demoPassword };

    const registered = await run('Register', {
      input: { username: `web_${suffix}`, email: `web.${suffix}@example.com`, password: 'correct horse battery', displayName: 'Web Client', clientMutationId: suffix },
    });
    const token = registered.register!.accessToken as string;
    const signedIn = await run('Login', { input: demo });
    const demoToken = signedIn.login!.accessToken as string;
    const refreshed = await run('RefreshToken', { refreshToken: signedIn.login!.refreshToken });

    // The subscriptions, by hash over WebSocket: the demo account's unread count at once, and the follow below as it is stored.
    const socket = await socketAs(demoToken);
    const streamsBefore = watchStreams();
    const live = (name: string) => {
      ran.add(name);
      return socket.subscribe<Record<string, unknown>>('', undefined, byHashExtension(hashes.get(name)!));
    };
    const [count] = await live('UnreadNotificationCount').atLeast(1);
    assert.equal(count!.errors, undefined, JSON.stringify(count!.errors));
    assert.equal(typeof count!.data!.unreadNotificationCount, 'number');
    const added = live('NotificationAdded');
    await eventually('both streams open', () => (watchStreams() === streamsBefore + 2 ? true : undefined));

    await run('SearchUsers', { query: 'a' }, token);
    await run('Profile', { userId: 'usr_1' }, token);
    await run('Follow', { userId: 'usr_1' }, token);
    const [notification] = await added.atLeast(1);
    assert.equal(notification!.errors, undefined, JSON.stringify(notification!.errors));
    assert.deepEqual((notification!.data!.notificationAdded as { kind: string; actor: { username: string } }).kind, 'FOLLOW');
    assert.equal((notification!.data!.notificationAdded as { actor: { username: string } }).actor.username, `web_${suffix}`);
    await run('Feed', { first: 10 }, token);
    const created = await run('CreatePost', { input: { title: 'From the web', imageUrl: 'https://example.com/pin.jpg', clientMutationId: suffix } }, token);
    await run('LikePost', { postId: created.createPost!.id }, token);
    await run('UnlikePost', { postId: created.createPost!.id }, token);
    await run('Unfollow', { userId: 'usr_1' }, token);
    const notifications = await run('Notifications', { first: 20 }, demoToken);
    const edges = (notifications.notifications!.edges as { node: { id: string } }[]).map((edge) => edge.node.id);
    await run('MarkNotificationsRead', { ids: edges.slice(0, 1) }, demoToken);
    await run('Logout', { refreshToken: refreshed.refreshToken!.refreshToken });

    assert.deepEqual([...ran].sort(), [...hashes.keys()].sort(), 'each document of the manifest ran');
  });

  it('refuses a document that is not in the manifest, by text or by hash, with PERSISTED_QUERY_NOT_IN_LIST and no RPC', async () => {
    const before = stack.totalCalls();
    const adHoc = '{ me { id email } }';
    for (const body of [{ query: adHoc }, { extensions: { persistedQuery: { version: 1, sha256Hash: sha256(adHoc) } } }]) {
      const response = await fetch(trusted.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      const answer = (await response.json()) as Answer;
      assert.deepEqual(
        answer.errors?.map((error) => error.extensions?.code),
        ['PERSISTED_QUERY_NOT_IN_LIST'],
      );
    }
    // A listed document changed by one field is another document.
    const feed = manifest[hashes.get('Feed')!]!;
    const changed = await byHash(trusted.url, sha256(feed.replace('likesCount', 'likesCount bio: description')), { first: 1 });
    assert.deepEqual(changed.errors?.map((error) => error.extensions?.code), ['PERSISTED_QUERY_NOT_IN_LIST']);
    assert.equal(stack.totalCalls(), before);
  });

  it('over WebSocket too, runs only listed subscriptions: one not in the manifest, by text or by hash, is refused with PERSISTED_QUERY_NOT_IN_LIST before any stream opens', async () => {
    const socket = await socketAs(await stack.login('user2@example.com'));
    const unreadCount = manifest[hashes.get('UnreadNotificationCount')!]!;
    // By text, exactly as listed: runs.
    const [listed] = await socket.subscribe<{ unreadNotificationCount: number }>(unreadCount).atLeast(1);
    assert.equal(listed!.errors, undefined, JSON.stringify(listed!.errors));
    assert.equal(typeof listed!.data!.unreadNotificationCount, 'number');

    const callsBefore = stack.totalCalls();
    const streamsBefore = watchStreams();
    // Valid, and answered at once were it run: a refusal is seen as one, never waited for.
    const adHoc = 'subscription Unlisted { unreadNotificationCount }';
    const refusals = [
      socket.subscribe(adHoc),
      socket.subscribe('', undefined, byHashExtension(sha256(adHoc))),
      // A listed document changed by one field is another document, whichever hash goes beside it.
      socket.subscribe(unreadCount.replace('unreadNotificationCount', 'unreadNotificationCount also: unreadNotificationCount')),
      socket.subscribe(`${unreadCount} `, undefined, byHashExtension(hashes.get('UnreadNotificationCount')!)),
      // A query by hash is listed, but over WebSocket only subscriptions run.
      socket.subscribe('', { first: 1 }, byHashExtension(hashes.get('Notifications')!)),
    ];
    // Each ends with its error codes, or is seen running by its first event (the unread count comes at once).
    const outcomes = await Promise.all(
      refusals.map((refusal) =>
        Promise.race([refusal.ended.then((errors) => (errors ?? []).map((error) => error.extensions?.code)), refusal.atLeast(1).then(() => 'ran', () => 'ended')]),
      ),
    );
    assert.deepEqual(outcomes, [['PERSISTED_QUERY_NOT_IN_LIST'], ['PERSISTED_QUERY_NOT_IN_LIST'], ['PERSISTED_QUERY_NOT_IN_LIST'], ['PERSISTED_QUERY_NOT_IN_LIST'], ['BAD_REQUEST']]);
    assert.ok(refusals.every((refusal) => refusal.events.length === 0));
    assert.equal(watchStreams(), streamsBefore);
    assert.equal(stack.totalCalls(), callsBefore);
  });
});

import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { status } from '@grpc/grpc-js';
import { decodeJwt, SignJWT } from 'jose';
import { chromium, type BrowserContext, type Page, type Request, type Response, type WebSocketRoute } from 'playwright-core';
import { tokenConfigFromEnv } from '../../platform/token-config.js';
import { buildWebIfNeeded, startWebServer, type WebServer } from '../../scripts/web.mjs';
import { RpcError } from '../../services/common/errors.js';
import { seedPosts } from '../../services/common/seed/posts.js';
import { seedUsers } from '../../services/common/seed/users.js';
import { eventually } from '../support/eventually.js';
import { graphql } from '../support/graphql.js';
import { after, before, describe, it } from '../support/skippable.js';
import { startStack, TEST_SEED, type TestStack } from '../support/stack.js';
import { TRUSTED_MANIFEST } from '../support/web-client.js';
import { CHROMIUM, CHROMIUM_ARGS, E2E_ARTIFACTS } from './browser.js';

/**
 * The web client (web/) in Debian's Chromium against the whole stack: six
 * services and a gateway that runs only the client's trusted documents, the
 * built app served on an origin of its own (so every request is cross-origin,
 * with a CORS preflight for its Authorization header). A screenshot of each
 * screen goes to test-artifacts/e2e/.
 */
const skip = !existsSync(CHROMIUM) && !process.env.CI ? `Chromium is not installed at ${CHROMIUM} (apt-get install chromium)` : false;

/** The same access token, signed as the auth service signs it, but expired a minute ago. */
async function expiredCopy(token: string): Promise<string> {
  const tokens = tokenConfigFromEnv({ NODE_ENV: 'test' });
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ ...decodeJwt(token), iat: now - 960, exp: now - 60 })
    .setProtectedHeader({ alg: 'HS256' })
    .sign(new TextEncoder().encode(tokens.secret));
}

/** The operation a request of the web client carries (Apollo Client sends its name beside the hash). */
const operationName = (request: Request) => (request.postDataJSON() as { operationName?: string } | null)?.operationName;

/** The demo account with the most posts, so that its posts fill more than one page of the feed. */
function busiestDemoAccount() {
  const users = seedUsers(TEST_SEED).slice(0, TEST_SEED.demoAccounts);
  const { posts } = seedPosts(TEST_SEED);
  const postsBy = (id: string) => posts.filter((post) => post.authorId === id).length;
  const [user] = users.sort((a, b) => postsBy(b.id) - postsBy(a.id));
  return { ...user!, posts: postsBy(user!.id) };
}

describe('the web client in Chromium', { skip }, () => {
  let stack: TestStack;
  let web: WebServer;
  let context: BrowserContext;
  let page: Page;
  let profileDir: string;
  let gatewayUrl: string;
  const refusedRequests: string[] = [];
  /** Set to send the next signed-in request with its access token expired, as if it had aged. */
  let expireNextToken = false;

  before(async () => {
    buildWebIfNeeded({ outputFd: 2 });
    stack = await startStack();
    // The app talks to a replica that runs its trusted documents alone; the test checks through the first.
    const trusted = await stack.startGateway({ PERSISTED_QUERIES: 'trusted', TRUSTED_DOCUMENTS: TRUSTED_MANIFEST });
    gatewayUrl = trusted.url;
    web = await startWebServer({ port: 0, graphqlUrl: gatewayUrl });
    mkdirSync(E2E_ARTIFACTS, { recursive: true });
    profileDir = mkdtempSync(join(tmpdir(), 'pinstack-chromium-'));
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1280, height: 860 },
    });
    // Seeded pins point at an image host this machine need not reach: each pin shows its own colour instead.
    await context.route('https://images.pinstack.dev/**', (route) => route.abort());
    await context.route(gatewayUrl, async (route) => {
      const headers = route.request().headers();
      if (!expireNextToken || !headers.authorization) return route.continue();
      expireNextToken = false;
      await route.continue({ headers: { ...headers, authorization: `Bearer ${await expiredCopy(headers.authorization.slice('Bearer '.length))}` } });
    });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('response', (response) => {
      const request = response.request();
      if (response.url().startsWith(gatewayUrl) && response.status() >= 400) refusedRequests.push(`${response.status()} ${operationName(request)}`);
    });
  });

  after(async () => {
    await context?.close();
    if (profileDir) rmSync(profileDir, { recursive: true, force: true });
    await web?.close();
    await stack?.stop();
  });

  const shot = (name: string) => page.screenshot({ path: join(E2E_ARTIFACTS, `${name}.png`) });

  it('signs up, follows a demo account, reads its posts over two pages of the feed (refreshing an expired token on the way), likes one, and signs out', async () => {
    const demo = busiestDemoAccount();
    assert.ok(demo.posts > 12, `the busiest demo account has ${demo.posts} posts, too few for two pages`);
    const suffix = Date.now().toString(36);
    const newcomer = { displayName: 'Ada Newcomer', username: `ada_${suffix}`, email: `ada.${suffix}@example.com`, password: 'correct horse battery' };

    // Signed out, every address leads to sign-in.
    await page.goto(web.url);
    await page.getByTestId('sign-in').waitFor();
    await shot('01-sign-in');

    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Display name').fill(newcomer.displayName);
    await page.getByLabel('Username').fill(newcomer.username);
    await page.getByLabel('E-mail').fill(newcomer.email);
    await page.getByLabel('Password').fill(newcomer.password);
    await shot('02-sign-up');
    await page.getByRole('button', { name: 'Sign up' }).click();

    await page.getByRole('heading', { name: 'Your feed is empty' }).waitFor();
    assert.equal(new URL(page.url()).pathname, '/');
    await shot('03-feed-empty');

    // Finds the demo account by name, and follows it from its profile.
    await page.getByRole('searchbox', { name: 'Find people' }).fill(demo.username);
    await page.getByRole('list', { name: 'People found' }).getByRole('link', { name: new RegExp(`@${demo.username}$`) }).click();
    const profile = page.getByTestId('profile');
    await profile.getByRole('heading', { name: demo.displayName }).waitFor();
    const followersBefore = Number(await page.getByTestId('followers-count').textContent());
    await profile.getByRole('button', { name: 'Follow' }).click();
    await profile.getByRole('button', { name: 'Following', pressed: true }).waitFor();
    assert.equal(Number(await page.getByTestId('followers-count').textContent()), followersBefore + 1);
    await shot('04-profile-followed');

    // Its posts, newest first, a page at a time. The access token has expired meanwhile:
    // the gateway says so (TOKEN_EXPIRED), and the client refreshes it once and goes on.
    const refreshes: string[] = [];
    const countRefreshes = (request: Request) => {
      if (request.url() === gatewayUrl && operationName(request) === 'RefreshToken') refreshes.push(request.url());
    };
    page.on('request', countRefreshes);
    expireNextToken = true;
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Feed' }).click();
    const posts = page.getByTestId('post');
    await posts.first().waitFor();
    const firstPage = await posts.count();
    assert.equal(firstPage, 10);
    assert.equal(expireNextToken, false, 'a request went with the expired token');
    assert.equal(refreshes.length, 1);
    page.off('request', countRefreshes);
    assert.deepEqual(new Set(await page.locator('.pin-author').allTextContents()), new Set([demo.displayName]));
    await page.mouse.move(640, 400);
    await shot('05-feed');

    await page.getByTestId('feed-end').scrollIntoViewIfNeeded();
    await posts.nth(firstPage).waitFor();
    assert.ok((await posts.count()) > firstPage);
    await shot('06-feed-second-page');

    // Likes the newest post: the button changes at once, and the gateway has it.
    const newest = posts.first();
    await newest.scrollIntoViewIfNeeded();
    const title = await newest.getByRole('heading').textContent();
    const likesBefore = Number(await newest.getByTestId('likes-count').textContent());
    await newest.getByRole('button', { name: `Like ${title}` }).click();
    await newest.getByRole('button', { name: `Unlike ${title}`, pressed: true }).waitFor();
    assert.equal(Number(await newest.getByTestId('likes-count').textContent()), likesBefore + 1);
    await page.evaluate('window.scrollTo(0, 0)');
    await shot('07-feed-liked');

    const demoToken = await stack.login(demo.email);
    const notified = await graphql<{ notifications: { unreadCount: number; edges: { node: { kind: string; actor: { username: string } | null; post: { title: string } | null } }[] } }>(
      stack.url,
      '{ notifications(first: 5) { unreadCount edges { node { kind actor { username } post { title } } } } }',
      { token: demoToken },
    );
    const fromNewcomer = notified.data!.notifications.edges.map(({ node }) => node).filter((node) => node.actor?.username === newcomer.username);
    assert.deepEqual(fromNewcomer.map((node) => node.kind).sort(), ['FOLLOW', 'LIKE']);
    assert.equal(fromNewcomer.find((node) => node.kind === 'LIKE')?.post?.title, title);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByTestId('sign-in').waitFor();
    assert.equal(new URL(page.url()).pathname, '/signin');
    await shot('08-signed-out');
    // Nothing was refused but the expired token: each document is trusted, each preflight passed.
    assert.equal(refusedRequests.length, 1, refusedRequests.join(', '));
    assert.match(refusedRequests[0]!, /^401 /);
  });

  it('shows the demo account its unread notifications, with the badge, after it signs in', async () => {
    const demo = busiestDemoAccount();
    await page.getByLabel('E-mail').fill(demo.email);
    await page.getByLabel('Password').fill(TEST_SEED.demoPassword);
    await page.getByRole('button', { name: 'Sign in' }).click();
    const badge = page.getByTestId('unread-badge');
    await badge.waitFor();
    assert.ok(Number(await badge.textContent()) >= 2);

    await page.getByTestId('notifications-link').click();
    const list = page.getByTestId('notifications');
    await list.getByText('Ada Newcomer').first().waitFor();
    assert.ok(await list.getByText('followed you').first().isVisible());
    // Seen is read: the badge goes once the screen has shown them.
    await badge.waitFor({ state: 'detached' });
    await shot('09-notifications');
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByTestId('sign-in').waitFor();
  });

  it('shows a new follower at once, without a reload: the badge counts it and the notifications screen lists it, and a connection closed for an expired token comes back with a refreshed one', async () => {
    const suffix = Date.now().toString(36);
    const viewer = { username: `live_${suffix}`, email: `live.${suffix}@example.com`, password: 'correct horse battery', displayName: 'Lin Live' };
    const registered = await graphql<{ register: { user: { id: string } } }>(
      stack.url,
      'mutation($input: RegisterInput!) { register(input: $input) { user { id } } }',
      { variables: { input: viewer } },
    );
    const viewerId = registered.data!.register.user.id;
    const [first, second] = seedUsers(TEST_SEED).slice(10, 12);
    const follow = async (follower: { id: string }) => {
      const answer = await graphql(stack.url, 'mutation($id: ID!) { follow(userId: $id) { id } }', {
        variables: { id: viewerId },
        token: await stack.signToken({ sub: follower.id, scope: 'write' }),
      });
      assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    };

    // The page's WebSocket passes through the test, which reads what it sends and can close it as the gateway would.
    const sockets: WebSocketRoute[] = [];
    const initTokens: string[] = [];
    const countsReceived: number[] = [];
    await page.routeWebSocket(/\/graphql$/, (socket) => {
      sockets.push(socket);
      const server = socket.connectToServer();
      socket.onMessage((message) => {
        const sent = JSON.parse(String(message)) as { type: string; payload?: { authorization?: string } };
        if (sent.type === 'connection_init') initTokens.push(sent.payload?.authorization ?? '');
        server.send(message);
      });
      server.onMessage((message) => {
        const received = JSON.parse(String(message)) as { type: string; payload?: { data?: { unreadNotificationCount?: number } } };
        const count = received.payload?.data?.unreadNotificationCount;
        if (received.type === 'next' && count !== undefined) countsReceived.push(count);
        socket.send(message);
      });
    });
    const notificationQueries: string[] = [];
    const countNotificationQueries = (request: Request) => {
      if (request.url() === gatewayUrl && operationName(request) === 'Notifications') notificationQueries.push(request.url());
    };
    const refreshes: string[] = [];
    const countRefreshes = (request: Request) => {
      if (request.url() === gatewayUrl && operationName(request) === 'RefreshToken') refreshes.push(request.url());
    };
    const watchStreams = () => stack.servers.notifications.openStreams('WatchNotifications');
    try {
      // A fresh page: no one is signed in, and no stream is open.
      await page.goto(web.url);
      await page.getByTestId('sign-in').waitFor();
      await eventually('no live stream open', () => (watchStreams() === 0 ? true : undefined));
      await page.getByLabel('E-mail').fill(viewer.email);
      await page.getByLabel('Password').fill(viewer.password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('heading', { name: 'Your feed is empty' }).waitFor();
      // Signed in: one connection, with the access token in connection_init, and both subscriptions open at the service.
      await eventually('the unread count over the WebSocket', () => (countsReceived.length > 0 ? true : undefined));
      await eventually('both live streams open', () => (watchStreams() === 2 ? true : undefined));
      assert.equal(sockets.length, 1);
      assert.match(initTokens[0]!, /^Bearer ey/);
      const badge = page.getByTestId('unread-badge');
      assert.equal(await badge.count(), 0, 'nothing unread yet');

      page.on('request', countNotificationQueries);
      await follow(first!);
      await badge.waitFor();
      assert.equal(await badge.textContent(), '1');
      assert.deepEqual(notificationQueries, [], 'the badge changed without asking the gateway again');
      await shot('11-live-badge');

      // The gateway closes the connection as the token expires (4403): the client refreshes it once and reconnects with the new one.
      page.on('request', countRefreshes);
      const countsBefore = countsReceived.length;
      await sockets[0]!.close({ code: 4403, reason: 'Forbidden: TOKEN_EXPIRED' });
      await eventually('a second connection', () => (sockets.length === 2 ? true : undefined));
      await eventually('the unread count on the new connection', () => (countsReceived.length > countsBefore ? true : undefined));
      await eventually('both live streams open again', () => (watchStreams() === 2 ? true : undefined));
      assert.equal(refreshes.length, 1);
      assert.match(initTokens[1]!, /^Bearer ey/);
      assert.notEqual(initTokens[1], initTokens[0], 'the new connection carries the refreshed token');
      assert.equal(await page.getByTestId('sign-in').count(), 0, 'still signed in');

      await follow(second!);
      await page.getByTestId('unread-badge').getByText('2').waitFor();
      assert.deepEqual(notificationQueries, []);

      // The notifications screen lists both follows from the cache, newest first, and marks them read.
      await page.getByTestId('notifications-link').click();
      const list = page.getByTestId('notifications');
      const rows = list.getByRole('listitem');
      await rows.nth(1).waitFor();
      assert.deepEqual(
        (await rows.allTextContents()).map((row) => row.replace(/followed you.*$/, 'followed you')),
        [`${second!.displayName} followed you`, `${first!.displayName} followed you`],
      );
      await badge.waitFor({ state: 'detached' });
      await shot('12-live-notifications');
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByTestId('sign-in').waitFor();
      await eventually('the live streams closed after signing out', () => (watchStreams() === 0 ? true : undefined));
    } finally {
      page.off('request', countNotificationQueries);
      page.off('request', countRefreshes);
      await page.unrouteAll();
    }
  });

  it('works as well against a gateway with automatic persisted queries, as `npm start` runs it: documents go by hash, their text only when the gateway asks for it', async () => {
    const apqWeb = await startWebServer({ port: 0, graphqlUrl: stack.url });
    const sent: { query: boolean; hash: boolean }[] = [];
    const watch = (request: Request) => {
      if (request.url() !== stack.url || request.method() !== 'POST') return;
      const body = request.postDataJSON() as { query?: string; extensions?: { persistedQuery?: unknown } };
      sent.push({ query: typeof body.query === 'string', hash: body.extensions?.persistedQuery !== undefined });
    };
    page.on('request', watch);
    try {
      await page.goto(apqWeb.url);
      await page.getByLabel('E-mail').fill('user1@example.com');
      await page.getByLabel('Password').fill(TEST_SEED.demoPassword);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByTestId('post').first().waitFor();
      // Every request named its document by hash; the text went along only when the gateway asked for it.
      assert.ok(sent.length > 0);
      assert.ok(sent.every((request) => request.hash));
      assert.ok(sent.some((request) => !request.query), 'documents are sent by hash alone');
    } finally {
      page.off('request', watch);
      await apqWeb.close();
    }
  });

  it('waits out RATE_LIMITED for the Retry-After the gateway sends, then shows what it asked for', async () => {
    // Two requests per five seconds per viewer: the screen's first queries are refused and wait.
    const strict = await stack.startGateway({ PERSISTED_QUERIES: 'trusted', TRUSTED_DOCUMENTS: TRUSTED_MANIFEST, RATE_LIMIT_SIGNED_IN: '2/5' });
    const strictWeb = await startWebServer({ port: 0, graphqlUrl: strict.url });
    const limited: string[] = [];
    const watch = (response: Response) => {
      if (response.url() === strict.url && response.status() === 429) limited.push(operationName(response.request()) ?? '');
    };
    page.on('response', watch);
    try {
      await page.goto(strictWeb.url);
      await page.getByLabel('E-mail').fill('user2@example.com');
      await page.getByLabel('Password').fill(TEST_SEED.demoPassword);
      await page.getByRole('button', { name: 'Sign in' }).click();
      // The feed and the unread badge take both requests of the window; the profile's is refused, waits and goes again.
      await page.getByTestId('post').first().waitFor();
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: /^@/ }).click();
      await page.getByTestId('profile').getByRole('heading', { level: 1 }).waitFor();
      assert.ok(limited.includes('Profile'), `the gateway refused the profile with 429 (refused: ${limited.join(', ')})`);
      assert.equal(await page.getByRole('alert').count(), 0, 'no error reached the screen');
    } finally {
      page.off('response', watch);
      await strictWeb.close();
    }
  });

  it('while the recommendations service and the like counts fail, a profile still shows the rest of the page', async () => {
    stack.setFault('recommendations', () => {
      throw new RpcError(status.UNAVAILABLE, 'recommendations is down');
    });
    stack.setFault('posts', (method) => {
      if (method === 'batchGetLikeStats') throw new RpcError(status.UNAVAILABLE, 'like counts are down');
    });
    try {
      await page.goto(web.url);
      await page.getByLabel('E-mail').fill('user3@example.com');
      await page.getByLabel('Password').fill(TEST_SEED.demoPassword);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.getByRole('navigation', { name: 'Main' }).waitFor();
      // A profile no test has opened, so that the gateway's profile cache holds none of it.
      await page.evaluate("history.pushState(null, '', '/users/usr_7'); dispatchEvent(new PopStateEvent('popstate'))");
      const profile = page.getByTestId('profile');
      await profile.getByRole('heading', { level: 1 }).waitFor();
      await profile.getByText('Suggestions are unavailable right now.').waitFor();
      const likes = await profile.getByTestId('likes-count').allTextContents();
      assert.ok(likes.length > 0, 'the recent posts are shown');
      assert.ok(likes.every((text) => text === '–'), `each like count shows as unavailable: ${likes.join(' ')}`);
      assert.equal(await page.getByRole('alert').count(), 0);
      await shot('10-profile-degraded');
    } finally {
      stack.setFault('recommendations', null);
      stack.setFault('posts', null);
    }
  });
});

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { formatGatewayError, InternalServerError } from '../../src/errors.js';
import { errorCodes, graphql, type GraphQLResponse } from '../support/graphql.js';
import { PRODUCTION_ENV, startStack, type TestStack } from '../support/stack.js';

const REGISTER = (n: number, tag: string) =>
  `r${n}: register(input: { username: "${tag}${n}", email: "${tag}${n}@example.com", password: "a long enough password", displayName: "Spam ${n}" }) { user { id } }`;

/** Whether an account with this e-mail exists: signing in with its password works. */
async function accountExists(stack: TestStack, email: string): Promise<boolean> {
  const response = await graphql<{ login: { accessToken: string } }>(
    stack.url,
    'mutation($email: String!) { login(input: { email: $email, password: "a long enough password" }) { accessToken } }',
    { variables: { email } },
  );
  return Boolean(response.data?.login.accessToken);
}

/** Sends a POST on a raw socket carrying the header lines given, so that a header can repeat. */
function rawPost(url: string, headers: [string, string][], body: string): Promise<{ status: number; body: string }> {
  const target = new URL(url);
  const lines = headers.map(([name, value]) => `${name}: ${value}\r\n`).join('');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(target.port), target.hostname, () => {
      socket.write(
        `POST ${target.pathname} HTTP/1.1\r\nHost: ${target.host}\r\n${lines}Content-Type: application/json\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    });
    let text = '';
    socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
    socket.on('close', () => resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0), body: text.slice(text.indexOf('\r\n\r\n') + 4) }));
    socket.on('error', reject);
  });
}

describe('hardening against an outside security test', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.stop());

  describe('limits per field, not per request', () => {
    it('30 aliased register fields in one request are refused before any is run, and create no account', async () => {
      const calls = stack.totalCalls();
      const response = await graphql(stack.url, `mutation { ${Array.from({ length: 30 }, (_, i) => REGISTER(i, 'alias')).join(' ')} }`);
      assert.deepEqual(errorCodes(response).slice(0, 1), ['OPERATION_LIMIT_EXCEEDED']);
      assert.equal(stack.totalCalls(), calls);
      assert.equal(await accountExists(stack, 'alias0@example.com'), false);
    });

    it('each register field counts against the address: the first past RATE_LIMIT_REGISTER is RATE_LIMITED, and it and the rest create nothing', async () => {
      const limited = await stack.startGateway({ RATE_LIMIT_REGISTER: '3/3600' });
      // Mutation fields run one after the other; the refused one is non-null, so it ends the operation.
      const response = await graphql(limited.url, `mutation { ${Array.from({ length: 5 }, (_, i) => REGISTER(i, 'field')).join(' ')} }`);
      assert.deepEqual(errorCodes(response), ['RATE_LIMITED']);
      assert.deepEqual(response.errors?.[0]?.path, ['r3']);
      assert.equal(response.errors?.[0]?.extensions?.limit, 'register');
      const exists = await Promise.all([0, 1, 2, 3, 4].map((i) => accountExists(stack, `field${i}@example.com`)));
      assert.deepEqual(exists, [true, true, true, false, false]);
    });

    it('signed-in requests also count against their address, so fresh tokens do not bring fresh allowances', async () => {
      const ceiling = await stack.startGateway({ RATE_LIMIT_SIGNED_IN_PER_IP: '8/60' });
      const tokens = await Promise.all([11, 12, 13, 14].map((n) => stack.signToken({ sub: `usr_${n}`, roles: ['user'], scope: 'read write' })));
      const statuses: number[] = [];
      for (let i = 0; i < 12; i += 1) statuses.push((await graphql(ceiling.url, '{ me { id } }', { token: tokens[i % tokens.length] })).status);
      assert.deepEqual(statuses.slice(0, 8), Array(8).fill(200));
      assert.ok(statuses.slice(8).every((status) => status === 429), JSON.stringify(statuses));
    });
  });

  describe('headers', () => {
    it('every answer says nosniff, and an answer to a request with credentials is never stored', async () => {
      const anonymous = await graphql(stack.url, '{ user(id: "usr_1") { id } }');
      assert.equal(anonymous.headers.get('x-content-type-options'), 'nosniff');
      const token = await stack.signToken({ sub: 'usr_20', roles: ['user'], scope: 'read write' });
      const signedIn = await graphql(stack.url, '{ user(id: "usr_1") { id } }', { token });
      assert.match(signedIn.headers.get('cache-control') ?? '', /no-store/);
    });

    it('two Authorization headers are refused with 400, not resolved to the first', async () => {
      const [first, second] = await Promise.all([
        stack.signToken({ sub: 'usr_21', roles: ['user'], scope: 'read write' }),
        stack.signToken({ sub: 'usr_22', roles: ['user'], scope: 'read write' }),
      ]);
      const calls = stack.totalCalls();
      const response = await rawPost(
        stack.url,
        [
          ['authorization', `Bearer ${first}`],
          ['authorization', `Bearer ${second}`],
        ],
        JSON.stringify({ query: '{ me { id } }' }),
      );
      assert.equal(response.status, 400);
      assert.equal((JSON.parse(response.body) as GraphQLResponse).errors?.[0]?.extensions?.code, 'BAD_REQUEST');
      assert.equal(stack.totalCalls(), calls);
    });
  });

  describe('text a person writes', () => {
    const CREATE = 'mutation($title: String!) { createPost(input: { title: $title, imageUrl: "https://example.com/a.png" }) { id } }';
    const RENAME = 'mutation($name: String) { updateProfile(input: { displayName: $name }) { id } }';

    for (const [what, title] of [
      ['a NUL character', 'before\u0000after'],
      ['a right-to-left override', 'invoice\u202Egnp.exe'],
      ['a bidirectional isolate', 'a\u2066b'],
    ] as const) {
      it(`a title with ${what} is BAD_USER_INPUT naming input.title, and nothing is created`, async () => {
        const token = await stack.signToken({ sub: 'usr_23', roles: ['user'], scope: 'read write' });
        const creates = () => stack.callsByMethod()['posts.CreatePost'] ?? 0;
        const before = creates();
        const response = await graphql(stack.url, CREATE, { token, variables: { title } });
        assert.deepEqual(errorCodes(response), ['BAD_USER_INPUT']);
        assert.equal(response.errors?.[0]?.extensions?.field, 'input.title');
        assert.equal(creates(), before);
      });
    }

    for (const [what, name] of [
      ['only zero-width spaces', '\u200B\u200B\u200B'],
      ['only Hangul fillers', '\u3164\u3164'],
      ['only a word joiner and spaces', '\u2060 \u2060'],
    ] as const) {
      it(`a display name of ${what} is BAD_USER_INPUT: it must show something`, async () => {
        const token = await stack.signToken({ sub: 'usr_24', roles: ['user'], scope: 'read write' });
        const response = await graphql(stack.url, RENAME, { token, variables: { name } });
        assert.deepEqual(errorCodes(response), ['BAD_USER_INPUT']);
        assert.equal(response.errors?.[0]?.extensions?.field, 'input.displayName');
      });
    }

    it('text with ordinary line breaks, accents and emoji is still accepted', async () => {
      const token = await stack.signToken({ sub: 'usr_25', roles: ['user'], scope: 'read write' });
      const response = await graphql<{ updateProfile: { id: string } }>(
        stack.url,
        'mutation($name: String, $bio: String) { updateProfile(input: { displayName: $name, bio: $bio }) { id } }',
        { token, variables: { name: 'Zoë 🌿', bio: 'Line one\nLine two\twith a tab' } },
      );
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    });
  });

  describe('persisted queries', () => {
    const persisted = (query: string) => ({ persistedQuery: { version: 1, sha256Hash: createHash('sha256').update(query).digest('hex') } });
    const post = async (body: Record<string, unknown>) =>
      (await fetch(stack.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }).then((r) => r.json())) as GraphQLResponse;

    it('a document with a password written in it runs but is never stored for replay; an ordinary one is', async () => {
      const secret = 'mutation Secret { login(input: { email: "user4@example.com", password: "pinstack-demo" }) { accessToken } }';
      const registered = await post({ query: secret, extensions: persisted(secret) });
      assert.equal(registered.errors, undefined, JSON.stringify(registered.errors));
      const byHash = await post({ extensions: persisted(secret) });
      assert.deepEqual(errorCodes(byHash), ['PERSISTED_QUERY_NOT_FOUND']);

      const ordinary = 'query Ordinary { user(id: "usr_4") { id } }';
      await post({ query: ordinary, extensions: persisted(ordinary) });
      assert.equal((await post({ extensions: persisted(ordinary) })).errors, undefined);
    });
  });

  describe('an access token after logout', () => {
    it('keeps working until it expires (ACCESS_TOKEN_TTL_SECONDS), while its refresh token is refused at once', async () => {
      const login = await graphql<{ login: { accessToken: string; refreshToken: string } }>(
        stack.url,
        'mutation { login(input: { email: "user2@example.com", password: "pinstack-demo" }) { accessToken refreshToken } }',
      );
      const tokens = login.data?.login;
      assert.ok(tokens);
      const logout = await graphql<{ logout: boolean }>(stack.url, 'mutation($t: String!) { logout(refreshToken: $t) }', { variables: { t: tokens.refreshToken } });
      assert.equal(logout.data?.logout, true);
      const refresh = await graphql(stack.url, 'mutation($t: String!) { refreshToken(refreshToken: $t) { accessToken } }', { variables: { t: tokens.refreshToken } });
      assert.deepEqual(errorCodes(refresh), ['UNAUTHENTICATED']);
      // Stateless by design: documented in the README's Security section.
      const me = await graphql<{ me: { id: string } }>(stack.url, '{ me { id } }', { token: tokens.accessToken });
      assert.equal(me.errors, undefined);
    });
  });
});

describe('masking in production, without exceptions', () => {
  let production: TestStack;
  before(async () => {
    production = await startStack({ env: PRODUCTION_ENV });
  });
  after(() => production.stop());

  it('a validly signed token whose sub has non-ASCII characters is a 401, not a 500 naming gRPC metadata', async () => {
    const token = await production.signToken({ sub: 'usér\u202E1', roles: ['user'], scope: 'read write' });
    const response = await graphql(production.url, '{ me { id } }', { token });
    assert.equal(response.status, 401);
    assert.deepEqual(errorCodes(response), ['UNAUTHENTICATED']);
    assert.doesNotMatch(JSON.stringify(response.errors), /metadata|grpc/i);
  });

  it('a role that could not travel in metadata is refused the same way', async () => {
    const token = await production.signToken({ sub: 'usr_1', roles: ['user,admin'], scope: 'read write' });
    const response = await graphql(production.url, '{ me { id } }', { token });
    assert.equal(response.status, 401);
  });

  it('the gateway’s own internal errors keep their message to the log: the client gets the fixed one', () => {
    const error = new InternalServerError('The author of post pst_1 could not be found.');
    const formatted = formatGatewayError(error.toJSON(), error, true);
    assert.equal(formatted.message, 'Something went wrong on our side.');
    assert.equal(formatted.extensions?.code, 'INTERNAL_SERVER_ERROR');
    // Outside production the message helps whoever runs the gateway.
    assert.equal(formatGatewayError(error.toJSON(), error, false).message, 'The author of post pst_1 could not be found.');
  });
});

describe('production refuses weak secrets', () => {
  it('a 40-character JWT_SECRET of one repeated letter is refused, naming it', () => {
    assert.throws(
      () => loadConfig({ ...PRODUCTION_ENV, JWT_SECRET: 'a'.repeat(40) }),
      (error: unknown) => error instanceof ConfigError && /JWT_SECRET is too easy to guess/.test(error.message),
    );
  });

  it('a SERVICE_SECRET of a repeated pattern is refused, naming it', () => {
    assert.throws(
      () => loadConfig({ ...PRODUCTION_ENV, SERVICE_SECRET: 'ab'.repeat(20) }),
      (error: unknown) => error instanceof ConfigError && /SERVICE_SECRET is too easy to guess/.test(error.message),
    );
  });

  it('a random secret of 32 hex digits is accepted', () => {
    assert.equal(loadConfig({ ...PRODUCTION_ENV, JWT_SECRET: '230211061c9eace40ca3fbceccd2a929' }).production, true);
  });
});

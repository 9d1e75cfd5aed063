import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorCodes, graphql } from '../support/graphql.js';
import { startStack, TEST_SEED, type TestStack } from '../support/stack.js';

interface Pair {
  accessToken: string;
  refreshToken: string;
}

const LOGIN = `mutation($email: String!, $password: String!) { login(input: { email: $email, password: $password }) { accessToken refreshToken } }`;
const REFRESH = `mutation($token: String!) { refreshToken(refreshToken: $token) { accessToken refreshToken user { id email } } }`;
const LOGOUT = `mutation($token: String!) { logout(refreshToken: $token) }`;

describe('refresh tokens through the gateway', () => {
  let stack: TestStack;

  before(async () => {
    stack = await startStack();
  });

  after(() => stack.stop());

  async function signIn(email: string): Promise<Pair> {
    const response = await graphql<{ login: Pair }>(stack.url, LOGIN, { variables: { email, password: TEST_SEED.demoPassword } });
    assert.ok(response.data, JSON.stringify(response.errors));
    return response.data.login;
  }

  const refresh = (token: string) =>
    graphql<{ refreshToken: Pair & { user: { id: string; email: string } } }>(stack.url, REFRESH, { variables: { token } });

  it('exchanges a refresh token for a new pair whose access token works', async () => {
    const first = await signIn('user1@example.com');
    const response = await refresh(first.refreshToken);
    const next = response.data?.refreshToken;
    assert.ok(next, JSON.stringify(response.errors));
    assert.notEqual(next.refreshToken, first.refreshToken);
    assert.deepEqual(next.user, { id: 'usr_1', email: 'user1@example.com' }, 'the payload shows its own e-mail, as after login');
    const me = await graphql<{ me: { id: string } }>(stack.url, '{ me { id } }', { token: next.accessToken });
    assert.equal(me.data?.me.id, 'usr_1');
  });

  it('reusing a spent refresh token signs out the whole family, including the pair its first use produced', async () => {
    const first = await signIn('user2@example.com');
    const second = (await refresh(first.refreshToken)).data!.refreshToken;

    const replay = await refresh(first.refreshToken);
    assert.equal(replay.status, 401);
    assert.deepEqual(errorCodes(replay), ['UNAUTHENTICATED']);

    const descendant = await refresh(second.refreshToken);
    assert.equal(descendant.status, 401, 'the legitimate holder must sign in again too');
    assert.deepEqual(errorCodes(descendant), ['UNAUTHENTICATED']);
  });

  it('of two concurrent exchanges of one refresh token exactly one succeeds', async () => {
    const { refreshToken } = await signIn('user3@example.com');
    const results = await Promise.all([refresh(refreshToken), refresh(refreshToken)]);
    assert.deepEqual(results.map((result) => result.status).sort(), [200, 401]);
  });

  it('logout revokes the session: its refresh token stops working, and a second logout says so', async () => {
    const pair = await signIn('user4@example.com');
    const out = await graphql<{ logout: boolean }>(stack.url, LOGOUT, { variables: { token: pair.refreshToken } });
    assert.equal(out.data?.logout, true);
    const after = await refresh(pair.refreshToken);
    assert.deepEqual(errorCodes(after), ['UNAUTHENTICATED']);
    const again = await graphql<{ logout: boolean }>(stack.url, LOGOUT, { variables: { token: pair.refreshToken } });
    assert.equal(again.data?.logout, false);
  });

  it('an unknown refresh token is UNAUTHENTICATED (401); an empty one is BAD_USER_INPUT', async () => {
    const unknown = await refresh('bm90LWEtcmVhbC1yZWZyZXNoLXRva2VuLWF0LWFsbC0xMjM0NTY');
    assert.equal(unknown.status, 401);
    assert.deepEqual(errorCodes(unknown), ['UNAUTHENTICATED']);
    const empty = await refresh('');
    assert.deepEqual(errorCodes(empty), ['BAD_USER_INPUT']);
  });

  it('access tokens carry sub, account_created_at, iss, aud, iat, exp, jti, roles and scope, and last 15 minutes by default', async () => {
    const { accessToken } = await signIn('user5@example.com');
    const claims = JSON.parse(Buffer.from(accessToken.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    assert.deepEqual(Object.keys(claims).sort(), ['account_created_at', 'aud', 'exp', 'iat', 'iss', 'jti', 'roles', 'scope', 'sub']);
    const user = await graphql<{ user: { createdAt: string } }>(stack.url, `{ user(id: "usr_5") { createdAt } }`);
    assert.equal(claims.account_created_at, user.data?.user.createdAt, 'bound to the account by its creation time');
    assert.equal((claims.exp as number) - (claims.iat as number), 900);
    assert.deepEqual(claims.roles, ['user']);
    assert.equal(claims.scope, 'read write');
  });
});

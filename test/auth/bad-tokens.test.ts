import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { exportSPKI, importJWK, SignJWT, type CryptoKey, type JWTPayload } from 'jose';
import { ACCOUNT_CREATED_AT_CLAIM, tokenConfigFromEnv } from '../../platform/token-config.js';
import { seedUsers } from '../../services/common/seed/users.js';
import { CLOCK_TOLERANCE_SECONDS } from '../../src/auth/verify-token.js';
import { graphql, type GraphQLResponse } from '../support/graphql.js';
import { startStack, TEST_SEED, type TestStack } from '../support/stack.js';

const TOKENS = tokenConfigFromEnv({ NODE_ENV: 'test' });
const VICTIM = 'usr_1';
/** When the victim's account was created: what a genuine token for it carries. */
const VICTIM_CREATED_AT = seedUsers(TEST_SEED)[0]!.createdAt.toISOString();
const WRITE = `mutation { updateProfile(input: { bio: "taken over" }) { id bio } }`;

function base64url(value: unknown): string {
  return Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');
}

/** Claims a genuine access token for the victim would carry, `now` in seconds. */
function claims(now: number, overrides: JWTPayload = {}): JWTPayload {
  return {
    sub: VICTIM,
    iss: TOKENS.issuer,
    aud: TOKENS.audience,
    iat: now,
    exp: now + 300,
    jti: 'attack',
    [ACCOUNT_CREATED_AT_CLAIM]: VICTIM_CREATED_AT,
    roles: ['user', 'admin'],
    scope: 'read write',
    ...overrides,
  };
}

function signHs256(payload: JWTPayload, secret: string | Uint8Array): Promise<string> {
  const key = typeof secret === 'string' ? new TextEncoder().encode(secret) : secret;
  return new SignJWT(payload).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(key);
}

interface Attack {
  name: string;
  /** Which gateway is attacked: HS256 with the shared secret, or RS256 through the auth service's JWKS. */
  gateway: 'hs256' | 'jwks';
  /** The request the attacker sends. */
  send(stack: TestStack, now: number): Promise<GraphQLResponse<unknown>>;
  status: number;
  code: string;
  /** `extensions.reason` of an UNAUTHENTICATED answer: what the client does next, without reading the message. */
  reason?: string;
  /** What the message must say, where the reason matters to the client. */
  message?: RegExp;
}

const withToken = (token: string) => (stack: TestStack) => graphql(stack.url, WRITE, { token });
const withHeader = (authorization: string) => (stack: TestStack) => graphql(stack.url, WRITE, { headers: { authorization } });

const ATTACKS: Attack[] = [
  {
    name: 'a token with its signature cut off',
    gateway: 'hs256',
    async send(stack, now) {
      const [header, payload] = (await signHs256(claims(now), TOKENS.secret)).split('.');
      return withToken(`${header}.${payload}.`)(stack);
    },
    status: 401,
    code: 'UNAUTHENTICATED',
    reason: 'TOKEN_INVALID',
  },
  {
    name: 'alg: none',
    gateway: 'hs256',
    send: (stack, now) => withToken(`${base64url({ alg: 'none', typ: 'JWT' })}.${base64url(claims(now))}.`)(stack),
    status: 401,
    code: 'UNAUTHENTICATED',
    reason: 'TOKEN_INVALID',
  },
  {
    name: 'HS256 signed with the wrong secret',
    gateway: 'hs256',
    send: async (stack, now) => withToken(await signHs256(claims(now), 'an-attacker-secret-that-is-long-enough-too'))(stack),
    status: 401,
    code: 'UNAUTHENTICATED',
    reason: 'TOKEN_INVALID',
  },
  {
    name: "the RS256 public key from the JWKS used as an HS256 secret (algorithm confusion)",
    gateway: 'jwks',
    async send(stack, now) {
      const [jwk] = stack.signingKeys!.jwks().keys;
      const pem = await exportSPKI((await importJWK(jwk!, 'RS256')) as CryptoKey);
      return withToken(await signHs256(claims(now), pem))(stack);
    },
    status: 401,
    code: 'UNAUTHENTICATED',
    reason: 'TOKEN_INVALID',
  },
  {
    name: 'expired a minute ago',
    gateway: 'hs256',
    send: async (stack, now) => withToken(await signHs256(claims(now, { iat: now - 960, exp: now - 60 }), TOKENS.secret))(stack),
    status: 401,
    code: 'UNAUTHENTICATED',
    reason: 'TOKEN_EXPIRED',
    message: /has expired/,
  },
  {
    name: 'not valid for another minute (nbf)',
    gateway: 'hs256',
    send: async (stack, now) => withToken(await signHs256(claims(now, { nbf: now + 60 }), TOKENS.secret))(stack),
    status: 401,
    code: 'UNAUTHENTICATED',
    reason: 'TOKEN_NOT_YET_VALID',
    message: /not valid yet/,
  },
  {
    name: 'issued by someone else (iss)',
    gateway: 'hs256',
    send: async (stack, now) => withToken(await signHs256(claims(now, { iss: 'https://evil.example' }), TOKENS.secret))(stack),
    status: 401,
    code: 'UNAUTHENTICATED',
    reason: 'TOKEN_INVALID',
  },
  {
    name: 'meant for another service (aud)',
    gateway: 'hs256',
    send: async (stack, now) => withToken(await signHs256(claims(now, { aud: 'some-other-api' }), TOKENS.secret))(stack),
    status: 401,
    code: 'UNAUTHENTICATED',
    reason: 'TOKEN_INVALID',
  },
  {
    name: 'malformed base64',
    gateway: 'hs256',
    send: withHeader('Bearer eyJhbGciOi*JIUzI1NiJ9.e30.$$$'),
    status: 401,
    code: 'UNAUTHENTICATED',
    reason: 'TOKEN_INVALID',
  },
  {
    name: 'well-formed segments that are not JSON',
    gateway: 'hs256',
    send: withHeader(`Bearer ${base64url('{"alg":')}.${base64url('not json')}.c2ln`),
    status: 401,
    code: 'UNAUTHENTICATED',
    reason: 'TOKEN_INVALID',
  },
  {
    name: 'a 10 KB token (over the gateway\'s 8 KB limit)',
    gateway: 'hs256',
    send: withHeader(`Bearer ${'a'.repeat(10_000)}`),
    status: 401,
    code: 'UNAUTHENTICATED',
    reason: 'TOKEN_INVALID',
    message: /too large/,
  },
  {
    name: 'a 100 KB Authorization header (over the HTTP server\'s header limit)',
    gateway: 'hs256',
    send: withHeader(`Bearer ${'a'.repeat(100_000)}`),
    status: 431,
    code: 'BAD_REQUEST',
    message: /headers are too large/,
  },
  {
    name: 'a genuine signature for an account that does not exist (deleted)',
    gateway: 'hs256',
    send: async (stack) => withToken(await stack.signToken({ sub: 'usr_999999', roles: ['user'], scope: 'read write' }))(stack),
    status: 401,
    code: 'UNAUTHENTICATED',
    reason: 'ACCOUNT_CHANGED',
    message: /no longer exists/,
  },
  {
    // What a token issued before a restart would be, were ids ever given out again.
    name: 'a genuine signature for the victim\'s id but an account created at another time',
    gateway: 'hs256',
    send: async (stack, now) =>
      withToken(await signHs256(claims(now, { [ACCOUNT_CREATED_AT_CLAIM]: '2026-11-20T08:00:00.000Z' }), TOKENS.secret))(stack),
    status: 401,
    code: 'UNAUTHENTICATED',
    reason: 'ACCOUNT_CHANGED',
    message: /no longer exists/,
  },
  {
    name: 'a genuine signature without the account claim',
    gateway: 'hs256',
    send: async (stack, now) => withToken(await signHs256(claims(now, { [ACCOUNT_CREATED_AT_CLAIM]: undefined }), TOKENS.secret))(stack),
    status: 401,
    code: 'UNAUTHENTICATED',
    reason: 'TOKEN_INVALID',
  },
  {
    name: 'a genuine signature whose account claim is not a time',
    gateway: 'hs256',
    send: async (stack, now) => withToken(await signHs256(claims(now, { [ACCOUNT_CREATED_AT_CLAIM]: 1_793_000_000 }), TOKENS.secret))(stack),
    status: 401,
    code: 'UNAUTHENTICATED',
    reason: 'TOKEN_INVALID',
  },
  {
    name: 'a spent refresh token used again',
    gateway: 'hs256',
    async send(stack) {
      const refresh = `mutation($token: String!) { refreshToken(refreshToken: $token) { accessToken refreshToken } }`;
      const login = await graphql<{ login: { refreshToken: string } }>(
        stack.url,
        `mutation { login(input: { email: "user1@example.com", password: "${TEST_SEED.demoPassword}" }) { refreshToken } }`,
      );
      const spent = login.data!.login.refreshToken;
      const first = await graphql(stack.url, refresh, { variables: { token: spent } });
      assert.equal(first.status, 200, 'the first use of a refresh token succeeds');
      return graphql(stack.url, refresh, { variables: { token: spent } });
    },
    status: 401,
    code: 'UNAUTHENTICATED',
    reason: 'REFRESH_TOKEN_INVALID',
    message: /refresh token is not valid/,
  },
];

describe('attacks on tokens, against the running gateway', () => {
  const stacks = {} as Record<Attack['gateway'], TestStack>;
  // The HS256 gateway reads the wall clock unless a test fixes the time.
  let fixedTime: number | undefined;

  before(async () => {
    [stacks.hs256, stacks.jwks] = await Promise.all([
      startStack({ tokenClock: () => fixedTime ?? Date.now() }),
      startStack({ env: { JWT_ALG: 'RS256' } }),
    ]);
  });

  after(async () => {
    await Promise.all(Object.values(stacks).map((stack) => stack.stop()));
  });

  async function victimBio(stack: TestStack): Promise<string | undefined> {
    const response = await graphql<{ user: { bio: string } }>(stack.url, `{ user(id: "${VICTIM}") { bio } }`);
    return response.data?.user.bio;
  }

  it('the harness can succeed: a genuine token changes the profile', async () => {
    const stack = stacks.hs256;
    const response = await graphql<{ updateProfile: { bio: string } }>(stack.url, `mutation { updateProfile(input: { bio: "genuine" }) { bio } }`, {
      token: await stack.signToken({ sub: 'usr_2', roles: ['user'], scope: 'read write' }),
    });
    assert.equal(response.status, 200);
    assert.equal(response.data?.updateProfile.bio, 'genuine');
  });

  it(`accepts a token up to ${CLOCK_TOLERANCE_SECONDS} s past exp (clock skew), not at ${CLOCK_TOLERANCE_SECONDS} s`, async () => {
    const exp = Math.floor(Date.now() / 1000);
    const token = await signHs256(claims(exp - 300, { exp }), TOKENS.secret);
    try {
      fixedTime = (exp + CLOCK_TOLERANCE_SECONDS) * 1000 - 1;
      assert.equal((await graphql<{ me: { id: string } }>(stacks.hs256.url, '{ me { id } }', { token })).data?.me.id, VICTIM);
      fixedTime = (exp + CLOCK_TOLERANCE_SECONDS) * 1000;
      const late = await graphql(stacks.hs256.url, '{ me { id } }', { token });
      assert.equal(late.status, 401);
      assert.match(late.errors?.[0]?.message ?? '', /has expired/);
      assert.equal(late.errors?.[0]?.extensions?.reason, 'TOKEN_EXPIRED');
    } finally {
      fixedTime = undefined;
    }
  });

  for (const attack of ATTACKS) {
    it(`${attack.name} → ${attack.code}${attack.reason ? ` (reason ${attack.reason})` : ''}, HTTP ${attack.status}, nothing changed`, async () => {
      const stack = stacks[attack.gateway];
      const bioBefore = await victimBio(stack);
      const writesBefore = stack.callsByMethod()['users.UpdateProfile'] ?? 0;

      const response = await attack.send(stack, Math.floor(Date.now() / 1000));

      assert.equal(response.status, attack.status);
      assert.deepEqual(
        response.errors?.map((error) => error.extensions?.code),
        [attack.code],
      );
      assert.equal(response.errors?.[0]?.extensions?.reason, attack.reason);
      if (attack.message) assert.match(response.errors?.[0]?.message ?? '', attack.message);
      assert.ok(!response.data, `no data leaks: ${JSON.stringify(response.data)}`);
      assert.equal(stack.callsByMethod()['users.UpdateProfile'] ?? 0, writesBefore, 'no write reached the users service');
      assert.equal(await victimBio(stack), bioBefore);
    });
  }
});

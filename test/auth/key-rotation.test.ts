import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createServer } from 'node:net';
import { decodeProtectedHeader } from 'jose';
import { errorCodes, graphql } from '../support/graphql.js';
import { startStack, type TestStack } from '../support/stack.js';

/** The gateway's defaults: a fetched JWKS is used for 10 minutes, refetched at most every 30 s. */
const COOLDOWN_MS = 30_000;
const MAX_AGE_MS = 600_000;

describe('signing-key rotation at the auth service, with the gateway running (ES256 through JWKS_URL)', () => {
  let stack: TestStack;
  let now = Date.now();
  const advance = (ms: number) => {
    now += ms;
  };

  before(async () => {
    stack = await startStack({ env: { JWT_ALG: 'ES256' }, tokenClock: () => now });
  });

  after(() => stack.stop());

  const whoAmI = (token: string) => graphql<{ me: { id: string } | null }>(stack.url, '{ me { id } }', { token });
  const kidOf = (token: string) => decodeProtectedHeader(token).kid;

  it('accepts tokens of a new key, then refuses those of a retired one, without a restart', async () => {
    const keys = stack.signingKeys!;
    const oldToken = await stack.login('user1@example.com');
    const oldKid = keys.current.kid;
    assert.equal(kidOf(oldToken), oldKid);
    assert.equal((await whoAmI(oldToken)).data?.me?.id, 'usr_1', 'the first token verifies (the gateway fetches the JWKS)');

    await keys.rotate();
    const newToken = await stack.login('user2@example.com');
    assert.notEqual(kidOf(newToken), oldKid);

    // Within the cooldown the gateway does not refetch for an unknown kid, so a
    // flood of made-up kids cannot flood the auth service.
    const tooSoon = await whoAmI(newToken);
    assert.equal(tooSoon.status, 401);
    assert.deepEqual(errorCodes(tooSoon), ['UNAUTHENTICATED']);

    advance(COOLDOWN_MS);
    const accepted = await whoAmI(newToken);
    assert.equal(accepted.data?.me?.id, 'usr_2', 'the unknown kid made the gateway fetch the JWKS again');
    assert.equal((await whoAmI(oldToken)).data?.me?.id, 'usr_1', 'the previous key is still published, so its tokens still verify');

    keys.retire(oldKid);
    advance(MAX_AGE_MS);
    const refused = await whoAmI(oldToken);
    assert.equal(refused.status, 401);
    assert.deepEqual(errorCodes(refused), ['UNAUTHENTICATED']);
    assert.equal((await whoAmI(newToken)).data?.me?.id, 'usr_2');
  });

  it('in JWKS mode an HS256 token signed with the shared secret is refused', async () => {
    // The JWKS gateway never accepts HS256, so the shared secret cannot sign for it either.
    const hs256 = await stack.signToken({ sub: 'usr_1', roles: ['user'], scope: 'read write' });
    const response = await whoAmI(hs256);
    assert.equal(response.status, 401);
  });
});

/** A loopback URL on which nothing listens: a port just bound and released. */
async function deadUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/.well-known/jwks.json`;
}

describe('when the JWKS cannot be fetched', () => {
  let stack: TestStack;

  before(async () => {
    stack = await startStack({ env: { JWT_ALG: 'ES256', JWKS_URL: await deadUrl() } });
  });

  after(() => stack.stop());

  it('a request with a token is SERVICE_UNAVAILABLE (HTTP 503) naming auth, not a bad token', async () => {
    const token = await stack.login('user1@example.com');
    const response = await graphql(stack.url, '{ me { id } }', { token });
    assert.equal(response.status, 503);
    assert.deepEqual(errorCodes(response), ['SERVICE_UNAVAILABLE']);
    assert.equal(response.errors?.[0]?.extensions?.service, 'auth');
  });

  it('anonymous requests are still answered', async () => {
    const response = await graphql<{ user: { id: string } }>(stack.url, '{ user(id: "usr_1") { id } }');
    assert.equal(response.data?.user.id, 'usr_1');
  });
});

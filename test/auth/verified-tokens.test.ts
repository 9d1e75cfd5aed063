import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CLOCK_TOLERANCE_SECONDS, TokenVerifier } from '../../src/auth/verify-token.js';
import { InvalidTokenError } from '../../src/errors.js';
import { signAccessToken, TEST_TOKEN_CONFIG } from '../support/tokens.js';

const TOKENS = TEST_TOKEN_CONFIG;

/** A verifier on a clock the test moves. */
function verifierAt(start: number) {
  const clock = { now: start };
  return { clock, verifier: new TokenVerifier(TOKENS, { now: () => clock.now }) };
}

describe('tokens verified once, checked on every use', () => {
  it('the same token is answered from what was verified: the very same viewer, until a minute has passed', async () => {
    const { clock, verifier } = verifierAt(Date.now());
    const header = `Bearer ${await signAccessToken(TOKENS, { sub: 'usr_1', roles: ['user'], scope: 'read write' })}`;
    const first = await verifier.viewerFromHeader(header);
    assert.deepEqual(first, { id: 'usr_1', accountCreatedAt: 0, roles: ['user'], scopes: ['read', 'write'] });
    assert.equal(await verifier.viewerFromHeader(header), first);
    assert.ok(Object.isFrozen(first), 'a viewer shared by requests cannot be changed by one of them');
    clock.now += 60_000;
    const again = await verifier.viewerFromHeader(header);
    assert.notEqual(again, first, 'after a minute the token is verified in full again');
    assert.deepEqual(again, first);
  });

  it('a remembered token that has expired fails as expired, from the tolerance on, as a fresh one does', async () => {
    const { clock, verifier } = verifierAt(Date.now());
    const token = await signAccessToken(TOKENS, { sub: 'usr_1' });
    const header = `Bearer ${token}`;
    await verifier.viewerFromHeader(header);
    const exp = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()).exp as number;
    clock.now = (exp + CLOCK_TOLERANCE_SECONDS) * 1000 - 1;
    assert.equal((await verifier.viewerFromHeader(header))?.id, 'usr_1');
    clock.now = (exp + CLOCK_TOLERANCE_SECONDS) * 1000;
    const thrown = await verifier.viewerFromHeader(header).catch((error: unknown) => error);
    assert.ok(thrown instanceof InvalidTokenError);
    assert.equal(thrown.extensions.reason, 'TOKEN_EXPIRED');
  });

  it('a token that does not verify is never remembered: each use fails', async () => {
    const { verifier } = verifierAt(Date.now());
    const forged = `${(await signAccessToken({ ...TOKENS, secret: 'another-secret-that-is-long-enough-for-hs256' }, { sub: 'usr_1' }))}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      const thrown = await verifier.viewerFromHeader(`Bearer ${forged}`).catch((error: unknown) => error);
      assert.ok(thrown instanceof InvalidTokenError, `attempt ${attempt + 1}`);
    }
  });
});

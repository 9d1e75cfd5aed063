import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { exportJWK, generateKeyPair } from 'jose';
import { setupAuthService, UnsafeTokenSettingsError } from '../../services/auth/setup.js';
import { SigningKeys } from '../../services/auth/signing-keys.js';
import { createLogger } from '../../services/common/logger.js';
import { DEFAULT_SEED } from '../../services/common/seed-config.js';
import { ConfigError, loadConfig } from '../../src/config/index.js';

const SAFE = {
  NODE_ENV: 'production',
  JWT_SECRET: 'a-production-secret-that-is-long-enough-0123',
  JWT_ISSUER: 'https://auth.pinstack.example',
  JWT_AUDIENCE: 'pinstack-gateway',
  SERVICE_SECRET: 'a-production-service-secret-long-enough-4567',
};

describe('production refuses unsafe token settings, saying which', () => {
  it('accepts a complete production configuration', () => {
    assert.equal(loadConfig(SAFE).tokenKeys.kind, 'secret');
  });

  for (const missing of ['JWT_ISSUER', 'JWT_AUDIENCE'] as const) {
    it(`the gateway refuses to start without ${missing}`, () => {
      assert.throws(() => loadConfig({ ...SAFE, [missing]: '' }), (error: Error) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /needs JWT_ISSUER and JWT_AUDIENCE/);
        return true;
      });
    });
  }

  it('the gateway refuses to start without SERVICE_SECRET', () => {
    assert.throws(() => loadConfig({ ...SAFE, SERVICE_SECRET: '' }), /SERVICE_SECRET must be set in production/);
  });

  it('with JWKS_URL the gateway needs no JWT_SECRET, and verifies through the JWKS', () => {
    const config = loadConfig({ ...SAFE, JWT_SECRET: '', JWKS_URL: 'https://idp.example/.well-known/jwks.json' });
    assert.deepEqual(config.tokenKeys, { kind: 'jwks', url: 'https://idp.example/.well-known/jwks.json', maxAgeMs: 600_000, cooldownMs: 30_000 });
  });

  it('a JWKS_URL that is not an http(s) URL is refused', () => {
    assert.throws(() => loadConfig({ ...SAFE, JWKS_URL: 'file:///etc/passwd' }), /JWKS_URL must be an http\(s\) URL/);
  });

  const environment = (env: NodeJS.ProcessEnv) => ({
    seed: { ...DEFAULT_SEED, users: 1, demoAccounts: 0 },
    env,
    logger: createLogger('auth'),
    address: () => '127.0.0.1:1',
  });

  it('the auth service refuses the development secret and a missing issuer or audience', async () => {
    await assert.rejects(setupAuthService(environment({ ...SAFE, JWT_SECRET: '' })), /needs JWT_SECRET/);
    await assert.rejects(setupAuthService(environment({ ...SAFE, JWT_AUDIENCE: '' })), UnsafeTokenSettingsError);
  });

  it('the auth service refuses ES256 in production without configured keys', async () => {
    await assert.rejects(setupAuthService(environment({ ...SAFE, JWT_SECRET: '', JWT_ALG: 'ES256' })), /needs JWT_PRIVATE_JWKS/);
  });
});

describe('configured signing keys', () => {
  it('sign with the first key and publish only the public half of each', async () => {
    const jwks = await Promise.all(
      ['2026-11', '2026-10'].map(async (kid) => ({ ...(await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey)), kid })),
    );
    const keys = await SigningKeys.fromJwks(JSON.stringify({ keys: jwks }), 'ES256');
    assert.equal(keys.current.kid, '2026-11');
    const published = keys.jwks().keys;
    assert.deepEqual(published.map((key) => key.kid), ['2026-11', '2026-10']);
    for (const key of published) {
      assert.equal(key.d, undefined, 'no private member is published');
      assert.equal(key.alg, 'ES256');
    }
  });

  it('refuses a public key, a key without kid, and a key of another algorithm', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
    const pub = { ...(await exportJWK(publicKey)), kid: 'a' };
    await assert.rejects(SigningKeys.fromJwks(JSON.stringify({ keys: [pub] }), 'ES256'), /not a private key/);
    await assert.rejects(SigningKeys.fromJwks(JSON.stringify({ keys: [await exportJWK(privateKey)] }), 'ES256'), /has no kid/);
    const other = { ...(await exportJWK(privateKey)), kid: 'b', alg: 'ES256' };
    await assert.rejects(SigningKeys.fromJwks(JSON.stringify({ keys: [other] }), 'RS256'), /not RS256/);
  });

  it('the signing key cannot be retired before a rotation', async () => {
    const keys = await SigningKeys.generate('ES256');
    assert.throws(() => keys.retire(keys.current.kid), /rotate first/);
  });
});

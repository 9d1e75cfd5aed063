import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { status } from '@grpc/grpc-js';
import { exportJWK, generateKeyPair } from 'jose';
import { AuthServiceService } from '../../generated/proto/pinstack/auth/v1/auth.js';
import { UsersServiceService } from '../../generated/proto/pinstack/users/v1/users.js';
import { setupAuthService, UnsafeTokenSettingsError } from '../../services/auth/setup.js';
import { SigningKeys } from '../../services/auth/signing-keys.js';
import { createLogger } from '../../services/common/logger.js';
import { createUnaryClient } from '../../services/common/client.js';
import { identityMetadata } from '../../platform/identity.js';
import { DEFAULT_SEED, DemoSeedInProductionError, SeedSettingError, seedConfigFromEnv, seededUserId } from '../../services/common/seed/config.js';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { assertRpcError } from '../support/rpc.js';
import { Registry } from 'prom-client';
import { createInProcessBus } from '../../platform/events/index.js';

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
    events: createInProcessBus(),
    registry: new Registry(),
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

describe('production never seeds the demo accounts', () => {
  it('starts empty unless SEED names a seed', () => {
    const seed = seedConfigFromEnv(SAFE);
    assert.deepEqual([seed.users, seed.posts, seed.demoAccounts], [0, 0, 0]);
  });

  it('refuses SEED=demo, naming the setting', () => {
    assert.throws(() => seedConfigFromEnv({ ...SAFE, SEED: 'demo' }), (error: Error) => {
      assert.ok(error instanceof DemoSeedInProductionError);
      assert.equal(error.code, 'DEMO_SEED_IN_PRODUCTION');
      assert.equal(error.setting, 'SEED');
      assert.match(error.message, /SEED=demo is refused in production/);
      return true;
    });
  });

  it('refuses a seed size without SEED rather than ignore it', () => {
    assert.throws(() => seedConfigFromEnv({ ...SAFE, SEED_USERS: '500' }), (error: Error) => {
      assert.ok(error instanceof SeedSettingError);
      assert.equal(error.setting, 'SEED_USERS');
      return true;
    });
  });

  it('allows SEED=load: users and posts, but no account with a password', () => {
    const seed = seedConfigFromEnv({ ...SAFE, SEED: 'load', SEED_USERS: '50', SEED_POSTS: '100' });
    assert.deepEqual([seed.users, seed.posts, seed.demoAccounts], [50, 100, 0]);
  });

  it('outside production the demo seed stays the default', () => {
    assert.equal(seedConfigFromEnv({ NODE_ENV: 'development' }).demoAccounts, DEFAULT_SEED.demoAccounts);
  });
});

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

/** A service run as `npm start` and the image run it (`services/<name>/main.ts`), on a free loopback port. */
interface ServiceProcess {
  address: string;
  stop(): Promise<void>;
}

/** Starts `services/<name>/main.ts` with `env` alone and resolves once it logs where it listens. */
function startServiceProcess(name: string, env: NodeJS.ProcessEnv): Promise<ServiceProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', `services/${name}/main.ts`], {
    cwd: ROOT,
    env: { PATH: process.env.PATH, ...env, LISTEN_ADDR: '127.0.0.1:0', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const lines: string[] = [];
  child.stderr.on('data', (chunk: Buffer) => lines.push(chunk.toString()));
  return new Promise((resolve, reject) => {
    createInterface({ input: child.stdout }).on('line', (line) => {
      lines.push(line);
      const address = /service listening on (\S+)"/.exec(line)?.[1];
      if (address) resolve({ address, stop: () => (child.kill('SIGTERM'), exited) });
    });
    void exited.then(() => reject(new Error(`${name} exited while starting:\n${lines.join('\n')}`)));
  });
}

describe('services started for production with every secret set', () => {
  let auth: ServiceProcess;
  let users: ServiceProcess;
  let authLoad: ServiceProcess;

  before(async () => {
    [auth, users, authLoad] = await Promise.all([
      startServiceProcess('auth', SAFE),
      startServiceProcess('users', { ...SAFE, SEED: 'load', SEED_USERS: '20', SEED_POSTS: '20' }),
      startServiceProcess('auth', { ...SAFE, SEED: 'load', SEED_USERS: '20', SEED_POSTS: '20' }),
    ]);
  });

  after(async () => {
    await Promise.all([auth, users, authLoad].map((service) => service?.stop()));
  });

  const login = async (address: string) => {
    const client = createUnaryClient(AuthServiceService, address);
    try {
      const metadata = identityMetadata(SAFE.SERVICE_SECRET, null);
      await assertRpcError(client.api.login({ email: 'user1@example.com', password: DEFAULT_SEED.demoPassword }, { metadata }), status.UNAUTHENTICATED);
    } finally {
      client.close();
    }
  };

  it('have no demo account: user1@example.com cannot sign in with the published password', async () => {
    await login(auth.address);
  });

  it('with SEED=load the seeded users exist, yet no one can sign in as them', async () => {
    const client = createUnaryClient(UsersServiceService, users.address);
    try {
      const { users: found } = await client.api.batchGetUsers({ ids: [seededUserId(1)] }, { metadata: identityMetadata(SAFE.SERVICE_SECRET, null) });
      assert.equal(found[0]?.email, 'user1@example.com');
    } finally {
      client.close();
    }
    await login(authLoad.address);
  });

  it('a service asked for the demo seed exits 1 at start, naming SEED', async () => {
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'services/auth/main.ts'], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...SAFE, SEED: 'demo', LISTEN_ADDR: '127.0.0.1:0', LOG_LEVEL: 'info' },
      // Only a guard against hanging the suite should the process start after all.
      timeout: 30_000,
    });
    await assert.rejects(run, (error: { code: number; stdout: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stdout, /auth service refusing to start: SEED=demo is refused in production/);
      return true;
    });
  });
});

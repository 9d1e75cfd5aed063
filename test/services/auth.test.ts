import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { status } from '@grpc/grpc-js';
import { jwtVerify } from 'jose';
import { AuthServiceService } from '../../generated/proto/pinstack/auth/v1/auth.js';
import { UsersServiceService } from '../../generated/proto/pinstack/users/v1/users.js';
import {
  MemoryCredentialsRepository,
  MemoryRefreshTokensRepository,
  MemoryRegistrationKeysRepository,
} from '../../services/auth/memory-repository.js';
import { seedCredentials } from '../../services/auth/seed.js';
import { createAuthService, INVALID_CREDENTIALS_MESSAGE } from '../../services/auth/service.js';
import { LoginThrottle } from '../../services/auth/login-throttle.js';
import { hashRefreshToken, INVALID_REFRESH_TOKEN_MESSAGE, REFRESH_TOKEN_TTL_MS } from '../../services/auth/tokens.js';
import { createUnaryClient, type UnaryClient } from '../../services/common/client.js';
import { FIELD_VIOLATION_METADATA_KEY } from '../../services/common/errors.js';
import { RUN_TIME_ID } from '../../services/common/ids.js';
import { DEFAULT_IDEMPOTENCY_KEY_TTL_MS } from '../../services/common/idempotency.js';
import { DEFAULT_SEED, type SeedConfig } from '../../services/common/seed/config.js';
import { startServer, type RunningServer } from '../../services/common/server.js';
import { ACCOUNT_CREATED_AT_CLAIM, tokenConfigFromEnv } from '../../platform/token-config.js';
import { MemoryUsersRepository } from '../../services/users/memory-repository.js';
import { seedUsers } from '../../services/common/seed/users.js';
import { createUsersService } from '../../services/users/service.js';
import { assertRpcError } from '../support/rpc.js';

const SEED: SeedConfig = { ...DEFAULT_SEED, users: 20, demoAccounts: 2 };
const TOKENS = tokenConfigFromEnv({
  JWT_SECRET: 'a-test-secret-that-is-long-enough-for-hs256',
  JWT_ISSUER: 'auth-under-test',
  JWT_AUDIENCE: 'gateway-under-test',
  ACCESS_TOKEN_TTL_SECONDS: '600',
});
const KEY = new TextEncoder().encode(TOKENS.secret);


describe('AuthService', () => {
  let usersServer: RunningServer;
  let authServer: RunningServer;
  let usersForAuth: UnaryClient<typeof UsersServiceService>;
  let users: UnaryClient<typeof UsersServiceService>;
  let auth: UnaryClient<typeof AuthServiceService>;
  let credentials: MemoryCredentialsRepository;
  const refreshTokens = new MemoryRefreshTokensRepository();

  before(async () => {
    usersServer = await startServer({
      name: 'users',
      address: '127.0.0.1:0',
      services: [createUsersService({ repository: new MemoryUsersRepository(seedUsers(SEED)) })],
    });
    usersForAuth = createUnaryClient(UsersServiceService, usersServer.address);
    credentials = new MemoryCredentialsRepository(await seedCredentials(SEED));
    authServer = await startServer({
      name: 'auth',
      address: '127.0.0.1:0',
      services: [createAuthService({ credentials, refreshTokens, users: usersForAuth.api, tokens: TOKENS })],
    });
    auth = createUnaryClient(AuthServiceService, authServer.address);
    users = createUnaryClient(UsersServiceService, usersServer.address);
  });

  after(async () => {
    auth.close();
    users.close();
    usersForAuth.close();
    await authServer.shutdown();
    await usersServer.shutdown();
  });

  describe('Login', () => {
    it('a demo account signs in with the demo password', async () => {
      const { userId, tokens } = await auth.api.login({ email: 'user2@example.com', password: SEED.demoPassword });
      assert.equal(userId, 'usr_2');
      assert.equal(tokens?.expiresIn, 600);
    });

    it('issues an access token that jose verifies with the shared secret, issuer and audience', async () => {
      const { tokens } = await auth.api.login({ email: 'user1@example.com', password: SEED.demoPassword });
      const { payload, protectedHeader } = await jwtVerify(tokens!.accessToken, KEY, {
        issuer: TOKENS.issuer,
        audience: TOKENS.audience,
        algorithms: ['HS256'],
      });
      assert.equal(protectedHeader.alg, 'HS256');
      assert.equal(payload.sub, 'usr_1');
      assert.deepEqual(payload.roles, ['user']);
      assert.equal(payload.scope, 'read write');
      assert.equal(payload.exp! - payload.iat!, 600);
      assert.match(payload.jti!, /^[0-9a-f-]{36}$/);

      const otherKey = new TextEncoder().encode('some-other-secret-of-sufficient-length!!');
      await assert.rejects(jwtVerify(tokens!.accessToken, otherKey), { code: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' });
    });

    it('keeps a refresh token only as its SHA-256, for 30 days, in a new family per sign-in', async () => {
      const first = await auth.api.login({ email: 'user1@example.com', password: SEED.demoPassword });
      const second = await auth.api.login({ email: 'user1@example.com', password: SEED.demoPassword });
      const token = first.tokens!.refreshToken;
      assert.equal(Buffer.from(token, 'base64url').length, 32);
      assert.notEqual(token, second.tokens!.refreshToken);

      assert.equal(await refreshTokens.findByHash(token), undefined);
      const stored = await refreshTokens.findByHash(hashRefreshToken(token));
      const storedSecond = await refreshTokens.findByHash(hashRefreshToken(second.tokens!.refreshToken));
      assert.equal(stored?.userId, 'usr_1');
      assert.equal(stored.expiresAt.getTime() - stored.issuedAt.getTime(), REFRESH_TOKEN_TTL_MS);
      assert.notEqual(stored.familyId, storedSecond?.familyId);
    });

    it('ignores the case of the e-mail address and spaces around it', async () => {
      const { userId } = await auth.api.login({ email: '  User1@EXAMPLE.com ', password: SEED.demoPassword });
      assert.equal(userId, 'usr_1');
    });

    it('a wrong password and an unknown e-mail fail alike, UNAUTHENTICATED with one message', async () => {
      const wrongPassword = await assertRpcError(
        auth.api.login({ email: 'user1@example.com', password: 'not-the-password' }),
        status.UNAUTHENTICATED,
      );
      const unknownEmail = await assertRpcError(
        auth.api.login({ email: 'nobody@example.com', password: SEED.demoPassword }),
        status.UNAUTHENTICATED,
      );
      assert.equal(wrongPassword.details, INVALID_CREDENTIALS_MESSAGE);
      assert.equal(unknownEmail.details, INVALID_CREDENTIALS_MESSAGE);
      assert.deepEqual(wrongPassword.metadata.get(FIELD_VIOLATION_METADATA_KEY), []);
      assert.deepEqual(unknownEmail.metadata.get(FIELD_VIOLATION_METADATA_KEY), []);
    });

    it('an account past the demo accounts has no password', async () => {
      await assertRpcError(auth.api.login({ email: 'user3@example.com', password: SEED.demoPassword }), status.UNAUTHENTICATED);
    });
  });

  describe('Register', () => {
    it('creates the profile in the users service and signs the new account in', async () => {
      const calls = usersServer.callCount('CreateUser');
      const registered = await auth.api.register({
        username: 'new_pinner',
        email: 'New.Pinner@example.com',
        password: 'correct horse battery',
        displayName: 'New Pinner',
      });
      assert.match(registered.userId, RUN_TIME_ID, 'a random id, never the next seeded number');
      assert.equal(usersServer.callCount('CreateUser'), calls + 1);

      const { users: profiles } = await users.api.batchGetUsers({ ids: [registered.userId] });
      assert.deepEqual(
        profiles.map(({ username, email, displayName }) => ({ username, email, displayName })),
        [{ username: 'new_pinner', email: 'new.pinner@example.com', displayName: 'New Pinner' }],
      );
      const { payload } = await jwtVerify(registered.tokens!.accessToken, KEY, { issuer: TOKENS.issuer, audience: TOKENS.audience });
      assert.equal(payload.sub, registered.userId);
      assert.equal(payload[ACCOUNT_CREATED_AT_CLAIM], profiles[0]!.createdAt!.toISOString(), 'the token is bound to this account');

      const signedIn = await auth.api.login({ email: 'new.pinner@example.com', password: 'correct horse battery' });
      assert.equal(signedIn.userId, registered.userId);
    });

    it('stores a salted scrypt hash, with a different salt for the same password', async () => {
      const password = 'same password twice';
      await auth.api.register({ username: 'salt_one', email: 'salt1@example.com', password, displayName: 'Salt One' });
      await auth.api.register({ username: 'salt_two', email: 'salt2@example.com', password, displayName: 'Salt Two' });
      const one = (await credentials.findByEmail('salt1@example.com'))!.password;
      const two = (await credentials.findByEmail('salt2@example.com'))!.password;
      assert.equal(one.algorithm, 'scrypt');
      assert.equal(one.salt.length, 16);
      assert.notDeepEqual(one.salt, two.salt);
      assert.notDeepEqual(one.hash, two.hash);
      assert.ok(!one.hash.toString('latin1').includes(password));
    });

    it('a taken username comes back from the users service as ALREADY_EXISTS on username', async () => {
      const [taken] = seedUsers(SEED);
      await assertRpcError(
        auth.api.register({ username: taken!.username, email: 'unused@example.com', password: 'long enough', displayName: 'Copy' }),
        status.ALREADY_EXISTS,
        'username',
      );
      await assertRpcError(auth.api.login({ email: 'unused@example.com', password: 'long enough' }), status.UNAUTHENTICATED);
    });

    it('a taken e-mail comes back from the users service as ALREADY_EXISTS on email', async () => {
      await assertRpcError(
        auth.api.register({ username: 'copycat', email: 'USER5@example.com', password: 'long enough', displayName: 'Copy' }),
        status.ALREADY_EXISTS,
        'email',
      );
    });

    it('an invalid field is INVALID_ARGUMENT naming it, and the users service is not called', async () => {
      const valid = { username: 'valid_user', email: 'valid@example.com', password: 'long enough', displayName: 'Valid' };
      const cases = [
        [{ password: 'short' }, 'password'],
        [{ password: 'p'.repeat(129) }, 'password'],
        [{ username: 'no spaces allowed' }, 'username'],
        [{ email: 'valid.example.com' }, 'email'],
        [{ displayName: ' ' }, 'display_name'],
      ] as const;
      const calls = usersServer.callCount('CreateUser');
      for (const [change, field] of cases) {
        await assertRpcError(auth.api.register({ ...valid, ...change }), status.INVALID_ARGUMENT, field);
      }
      assert.equal(usersServer.callCount('CreateUser'), calls);
    });
  });
});

describe('AuthService without a users service', () => {
  it('Register is UNAVAILABLE when the users service cannot be reached', async () => {
    // Nothing listens on port 1 of the loopback interface: the connection is refused.
    const unreachable = createUnaryClient(UsersServiceService, '127.0.0.1:1');
    const server = await startServer({
      name: 'auth',
      address: '127.0.0.1:0',
      services: [
        createAuthService({
          credentials: new MemoryCredentialsRepository(),
          refreshTokens: new MemoryRefreshTokensRepository(),
          users: unreachable.api,
          tokens: TOKENS,
        }),
      ],
    });
    const auth = createUnaryClient(AuthServiceService, server.address);
    try {
      await assertRpcError(
        auth.api.register({ username: 'lonely', email: 'lonely@example.com', password: 'long enough', displayName: 'Lonely' }),
        status.UNAVAILABLE,
      );
    } finally {
      auth.close();
      unreachable.close();
      await server.shutdown();
    }
  });
});

describe('AuthService sign-in throttling and token refresh, with a controlled clock', () => {
  let server: RunningServer;
  let auth: UnaryClient<typeof AuthServiceService>;
  let unreachable: UnaryClient<typeof UsersServiceService>;
  let now = new Date('2026-11-01T00:00:00.000Z').getTime();
  const waits: number[] = [];

  before(async () => {
    unreachable = createUnaryClient(UsersServiceService, '127.0.0.1:1');
    server = await startServer({
      name: 'auth',
      address: '127.0.0.1:0',
      services: [
        createAuthService({
          credentials: new MemoryCredentialsRepository(await seedCredentials(SEED)),
          refreshTokens: new MemoryRefreshTokensRepository(),
          users: unreachable.api,
          tokens: TOKENS,
          now: () => new Date(now),
          loginThrottle: new LoginThrottle({
            now: () => now,
            wait: async (ms) => {
              waits.push(ms);
            },
          }),
        }),
      ],
    });
    auth = createUnaryClient(AuthServiceService, server.address);
  });

  after(async () => {
    auth.close();
    unreachable.close();
    await server.shutdown();
  });

  it('holds back sign-ins for an account after five failures, right password or not, until one succeeds', async () => {
    const attempt = (password: string) => auth.api.login({ email: 'user1@example.com', password });
    for (let failure = 0; failure < 5; failure++) await assertRpcError(attempt('wrong password'), status.UNAUTHENTICATED);
    assert.deepEqual(waits, []);
    await assertRpcError(attempt('wrong password'), status.UNAUTHENTICATED);
    await attempt(SEED.demoPassword);
    assert.deepEqual(waits, [500, 1_000]);
    await attempt(SEED.demoPassword);
    assert.deepEqual(waits, [500, 1_000], 'the success cleared the count');
  });

  it('a refresh token past its 30 days is refused', async () => {
    const { tokens } = await auth.api.login({ email: 'user2@example.com', password: SEED.demoPassword });
    now += REFRESH_TOKEN_TTL_MS;
    const refused = await assertRpcError(auth.api.refreshToken({ refreshToken: tokens!.refreshToken }), status.UNAUTHENTICATED);
    assert.equal(refused.details, INVALID_REFRESH_TOKEN_MESSAGE);
  });

  it('a refreshed pair continues the family, and its access token is signed at the controlled time', async () => {
    const { tokens } = await auth.api.login({ email: 'user2@example.com', password: SEED.demoPassword });
    const { userId, tokens: next } = await auth.api.refreshToken({ refreshToken: tokens!.refreshToken });
    assert.equal(userId, 'usr_2');
    const { payload } = await jwtVerify(next!.accessToken, KEY, {
      issuer: TOKENS.issuer,
      audience: TOKENS.audience,
      currentDate: new Date(now),
    });
    assert.equal(payload.iat, Math.floor(now / 1000));
  });
});

describe('AuthService Register idempotency keys, with a controlled clock', () => {
  let usersServer: RunningServer;
  let authServer: RunningServer;
  let usersForAuth: UnaryClient<typeof UsersServiceService>;
  let auth: UnaryClient<typeof AuthServiceService>;
  const registrationKeys = new MemoryRegistrationKeysRepository();
  const BASE = new Date('2026-11-01T00:00:00.000Z').getTime();
  let now = BASE;

  before(async () => {
    usersServer = await startServer({
      name: 'users',
      address: '127.0.0.1:0',
      services: [createUsersService({ repository: new MemoryUsersRepository(seedUsers(SEED)) })],
    });
    usersForAuth = createUnaryClient(UsersServiceService, usersServer.address);
    authServer = await startServer({
      name: 'auth',
      address: '127.0.0.1:0',
      services: [
        createAuthService({
          credentials: new MemoryCredentialsRepository(await seedCredentials(SEED)),
          refreshTokens: new MemoryRefreshTokensRepository(),
          registrationKeys,
          users: usersForAuth.api,
          tokens: TOKENS,
          now: () => new Date(now),
        }),
      ],
    });
    auth = createUnaryClient(AuthServiceService, authServer.address);
  });

  after(async () => {
    auth.close();
    usersForAuth.close();
    await authServer.shutdown();
    await usersServer.shutdown();
  });

  it('a key answers with its account for 24 hours by default, and is forgotten once it has expired', async () => {
    const request = {
      username: 'keyed_account',
      email: 'Keyed@Example.com',
      password: 'a long enough password',
      displayName: 'Keyed',
      idempotencyKey: 'expiring-key',
    };
    const first = await auth.api.register(request);

    // The same caller retrying, with the address in another case, within the day: the same account.
    now = BASE + DEFAULT_IDEMPOTENCY_KEY_TTL_MS - 1;
    const repeat = await auth.api.register({ ...request, email: ' keyed@example.com ' });
    assert.equal(repeat.userId, first.userId);
    assert.notEqual(repeat.tokens?.refreshToken, first.tokens?.refreshToken);
    await assertRpcError(auth.api.register({ ...request, password: 'another long password' }), status.INVALID_ARGUMENT, 'idempotency_key');
    await assertRpcError(auth.api.register({ ...request, username: 'other_account' }), status.INVALID_ARGUMENT, 'idempotency_key');

    // A day after its first use the key no longer answers: the same request now meets the taken username.
    now = BASE + DEFAULT_IDEMPOTENCY_KEY_TTL_MS;
    await assertRpcError(auth.api.register(request), status.ALREADY_EXISTS, 'username');
    assert.equal(registrationKeys.size, 0, 'the expired key was dropped');
    const other = await auth.api.register({ ...request, username: 'later_account', email: 'later@example.com' });
    assert.notEqual(other.userId, first.userId);
    assert.equal(registrationKeys.size, 1);
  });

  it('an idempotency key over 255 characters is INVALID_ARGUMENT naming it, and the users service is not called', async () => {
    const request = { username: 'long_key', email: 'long_key@example.com', password: 'a long enough password', displayName: 'Long' };
    await assertRpcError(auth.api.register({ ...request, idempotencyKey: 'k'.repeat(256) }), status.INVALID_ARGUMENT, 'idempotency_key');
    // Nothing was created: the same account registers without a key.
    const created = await auth.api.register(request);
    assert.ok(created.userId);
  });
});

describe('refresh-token storage', () => {
  it('lets a token be used once and revokes a whole family at once', async () => {
    const repository = new MemoryRefreshTokensRepository();
    const issuedAt = new Date('2026-11-01T00:00:00.000Z');
    const expiresAt = new Date(issuedAt.getTime() + REFRESH_TOKEN_TTL_MS);
    const accountCreatedAt = new Date('2026-10-01T00:00:00.000Z');
    await repository.insert({ tokenHash: 'a', userId: 'usr_1', accountCreatedAt, familyId: 'f1', issuedAt, expiresAt });
    await repository.insert({ tokenHash: 'b', userId: 'usr_1', accountCreatedAt, familyId: 'f1', issuedAt, expiresAt });
    await repository.insert({ tokenHash: 'c', userId: 'usr_1', accountCreatedAt, familyId: 'f2', issuedAt, expiresAt });

    assert.equal(await repository.markUsed('a', issuedAt), true);
    assert.equal(await repository.markUsed('a', issuedAt), false);
    assert.equal(await repository.revokeFamily('f1', issuedAt), 2);
    assert.equal(await repository.revokeFamily('f1', issuedAt), 0);
    assert.equal((await repository.findByHash('c'))?.revokedAt, undefined);

    assert.equal(await repository.deleteExpired(new Date(expiresAt.getTime() - 1)), 0);
    assert.equal(await repository.deleteExpired(expiresAt), 3);
    assert.equal(await repository.findByHash('a'), undefined);
  });
});

describe('auth main', () => {
  it('refuses to start in production with the development secret', async () => {
    const run = promisify(execFile)(process.execPath, ['--import', 'tsx', 'services/auth/main.ts'], {
      env: { ...process.env, NODE_ENV: 'production', JWT_SECRET: '', LISTEN_ADDR: '127.0.0.1:0', LOG_LEVEL: 'info' },
      // Only a guard against hanging the suite should the process start after all.
      timeout: 30_000,
    });
    await assert.rejects(run, (error: { code: number; stdout: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stdout, /needs JWT_SECRET/);
      return true;
    });
  });
});

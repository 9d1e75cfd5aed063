import { status, type ServiceError } from '@grpc/grpc-js';
import { AuthServiceService, type RegisterRequest, type RegisterResponse } from '../../generated/proto/pinstack/auth/v1/auth.js';
import type { UsersServiceService } from '../../generated/proto/pinstack/users/v1/users.js';
import type { UnaryApi } from '../common/client.js';
import { FIELD_VIOLATION_METADATA_KEY, RpcError, alreadyExists, invalidArgument, unauthenticated } from '../common/errors.js';
import { validateIdempotencyKey } from '../common/idempotency.js';
import { bindService, type ServiceBinding } from '../common/server.js';
import type { TokenConfig } from '../../platform/token-config.js';
import { hashPassword, verifyPassword, verifyWithoutAccount } from './passwords.js';
import { checkDisplayName, checkEmail, checkPassword, checkRefreshToken, checkSignInEmail, checkSignInPassword, checkUsername } from './validation.js';
import { MemoryRegistrationKeysRepository } from './memory-repository.js';
import type { CredentialsRepository, RefreshTokensRepository, RegistrationKeysRepository } from './repository.js';
import { LoginThrottle } from './login-throttle.js';
import type { SigningKeys } from './signing-keys.js';
import { createTokenIssuer, type TokenAccount } from './tokens.js';

/** How long Register waits for the users service before answering UNAVAILABLE. */
export const USERS_CALL_TIMEOUT_MS = 5_000;

/** One message for every failed sign-in, so it never tells which part was wrong. */
export const INVALID_CREDENTIALS_MESSAGE = 'invalid email or password';

export interface AuthServiceDeps {
  credentials: CredentialsRepository;
  refreshTokens: RefreshTokensRepository;
  /** Register idempotency keys; kept in memory for a day unless given. */
  registrationKeys?: RegistrationKeysRepository;
  /** The users service, which owns the profile an account registers. */
  users: UnaryApi<typeof UsersServiceService>;
  tokens: TokenConfig;
  /** Key pairs for ES256 or RS256 tokens; HS256 signs with `tokens.secret`. */
  signingKeys?: SigningKeys;
  /** Accounts whose tokens carry the `admin` role. */
  admins?: ReadonlySet<string>;
  /** Slows down repeated failed sign-ins per account. */
  loginThrottle?: LoginThrottle;
  now?: () => Date;
  usersCallTimeoutMs?: number;
}

/** The AuthService handlers: registration through the users service, and sign-in. */
export function createAuthService(deps: AuthServiceDeps): ServiceBinding {
  const { credentials, users } = deps;
  const now = deps.now ?? (() => new Date());
  const issuer = createTokenIssuer({
    config: deps.tokens,
    refreshTokens: deps.refreshTokens,
    signingKeys: deps.signingKeys,
    admins: deps.admins,
    now,
  });
  const throttle = deps.loginThrottle ?? new LoginThrottle({ now: () => now().getTime() });
  const timeoutMs = deps.usersCallTimeoutMs ?? USERS_CALL_TIMEOUT_MS;
  const registrationKeys = deps.registrationKeys ?? new MemoryRegistrationKeysRepository();
  /** The last Register in flight per idempotency key. */
  const registering = new Map<string, Promise<RegisterResponse>>();

  async function createAccount(request: RegisterRequest): Promise<RegisterResponse> {
    // Everything is checked here first: a request that would fail on the
    // password must not leave a profile behind in the users service.
    const username = checkUsername(request.username);
    const email = checkEmail(request.email);
    const displayName = checkDisplayName(request.displayName);
    const password = await hashPassword(checkPassword(request.password));

    let account: TokenAccount;
    try {
      const { user } = await users.createUser({ username, email, displayName }, { deadline: Date.now() + timeoutMs });
      // The creation time binds the account's tokens to it (TokenAccount), so it is as required as the id.
      if (!user?.createdAt) throw new Error('CreateUser answered without a user or its created_at');
      account = { userId: user.id, createdAt: user.createdAt };
    } catch (error) {
      throw fromUsersError(error);
    }

    // Users already refused a taken e-mail address, so this only fails if
    // credentials outlived their profile; the address is still taken.
    const { userId, createdAt: accountCreatedAt } = account;
    if (!(await credentials.insert({ userId, accountCreatedAt, email, password, createdAt: now() }))) {
      throw alreadyExists('email', 'email is already taken');
    }
    return { userId, tokens: await issuer.issue(account) };
  }

  /**
   * Register with an idempotency key, never run concurrently for one key. A
   * key seen before answers with its account, signed in again, once the caller
   * has proved to be its owner: the same username and e-mail, and a password
   * that verifies against the stored hash (throttled like a sign-in).
   */
  async function registerOnce(request: RegisterRequest, key: string): Promise<RegisterResponse> {
    const username = checkUsername(request.username).toLowerCase();
    const email = checkEmail(request.email);
    const earlier = await registrationKeys.find(key, now().getTime());
    if (!earlier) {
      const created = await createAccount(request);
      await registrationKeys.insert(key, { userId: created.userId, username, email }, now().getTime());
      return created;
    }
    if (earlier.username !== username || earlier.email !== email) {
      throw invalidArgument('idempotency_key', 'idempotency_key was already used to register a different account');
    }
    await throttle.beforeAttempt(email);
    const record = await credentials.findByEmail(email);
    const valid = record?.userId === earlier.userId && (await verifyPassword(request.password, record.password));
    if (!valid) {
      throttle.failed(email);
      throw invalidArgument('idempotency_key', 'idempotency_key was already used to register a different account');
    }
    throttle.succeeded(email);
    return { userId: record.userId, tokens: await issuer.issue({ userId: record.userId, createdAt: record.accountCreatedAt }) };
  }

  return bindService(AuthServiceService, {
    async register(request) {
      const key = validateIdempotencyKey(request.idempotencyKey ?? '');
      if (key === undefined) return createAccount(request);
      // One Register per key at a time: a concurrent repeat waits for the first
      // and then answers from its key, so one key never creates two accounts.
      const previous = registering.get(key) ?? Promise.resolve();
      const current = previous.then(
        () => registerOnce(request, key),
        () => registerOnce(request, key),
      );
      registering.set(key, current);
      try {
        return await current;
      } finally {
        if (registering.get(key) === current) registering.delete(key);
      }
    },

    async login(request) {
      const email = checkSignInEmail(request.email);
      const password = checkSignInPassword(request.password);
      await throttle.beforeAttempt(email);
      const record = await credentials.findByEmail(email);
      const valid = record ? await verifyPassword(password, record.password) : await verifyWithoutAccount(password);
      if (!record || !valid) {
        throttle.failed(email);
        throw unauthenticated(INVALID_CREDENTIALS_MESSAGE);
      }
      throttle.succeeded(email);
      return { userId: record.userId, tokens: await issuer.issue({ userId: record.userId, createdAt: record.accountCreatedAt }) };
    },

    async refreshToken(request) {
      return issuer.rotate(checkRefreshToken(request.refreshToken));
    },

    async logout(request) {
      return { revoked: await issuer.revoke(checkRefreshToken(request.refreshToken)) };
    },
  });
}

/**
 * What Register answers when CreateUser fails. The caller's own mistakes
 * (a taken or invalid field) pass through with their code, message and field;
 * an unreachable users service is UNAVAILABLE, so the caller may retry; any
 * other failure is ours and stays INTERNAL.
 */
function fromUsersError(error: unknown): unknown {
  if (!isServiceError(error)) return error;
  switch (error.code) {
    case status.ALREADY_EXISTS:
    case status.INVALID_ARGUMENT: {
      const [field] = error.metadata.get(FIELD_VIOLATION_METADATA_KEY);
      return new RpcError(error.code, error.details, typeof field === 'string' ? field : undefined);
    }
    case status.UNAVAILABLE:
    case status.DEADLINE_EXCEEDED:
      return new RpcError(status.UNAVAILABLE, 'the users service is unavailable');
    default:
      return error;
  }
}

function isServiceError(error: unknown): error is ServiceError {
  return error instanceof Error && typeof (error as Partial<ServiceError>).code === 'number' && 'metadata' in error;
}

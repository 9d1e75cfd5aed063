import { UsersServiceService } from '../../generated/proto/pinstack/users/v1/users.js';
import { createServiceClient } from '../common/client.js';
import { idempotencyKeyTtlMs } from '../common/idempotency.js';
import type { ServiceEnvironment, ServiceSetup } from '../common/setup.js';
import { productionTokenProblem, tokenConfigFromEnv } from '../../platform/token-config.js';
import { startJwksServer, type JwksServer } from './jwks-server.js';
import { MemoryCredentialsRepository, MemoryRefreshTokensRepository, MemoryRegistrationKeysRepository } from './memory-repository.js';
import { seedCredentials } from './seed.js';
import { createAuthService } from './service.js';
import { SigningKeys } from './signing-keys.js';

const EXPIRED_TOKEN_SWEEP_MS = 60 * 60 * 1000;

/** Where the JWKS is served unless `JWKS_LISTEN_ADDR` says otherwise. */
export const DEFAULT_JWKS_LISTEN_ADDR = '127.0.0.1:50057';

/** Token settings production refuses: the development secret, or no explicit issuer and audience. */
export class UnsafeTokenSettingsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnsafeTokenSettingsError';
  }
}

/** The auth service as built: with its signing keys and JWKS endpoint when it signs with key pairs. */
export interface AuthServiceSetup extends ServiceSetup {
  /** Present in ES256/RS256 mode; rotating here is seen by the gateway through the JWKS. */
  signingKeys?: SigningKeys;
  /** The published JWKS, in ES256/RS256 mode. */
  jwksUrl?: string;
}

/** The auth service: demo credentials in memory, accounts created through the users service. */
export async function setupAuthService({ seed, env, logger, address }: ServiceEnvironment): Promise<AuthServiceSetup> {
  const tokens = tokenConfigFromEnv(env);
  const production = env.NODE_ENV === 'production';
  const problem = production ? productionTokenProblem(tokens, tokens.algorithm === 'HS256') : undefined;
  if (problem) throw new UnsafeTokenSettingsError(problem);

  let signingKeys: SigningKeys | undefined;
  let jwks: JwksServer | undefined;
  if (tokens.algorithm !== 'HS256') {
    const configured = env.JWT_PRIVATE_JWKS?.trim();
    // Generated keys vanish on restart and differ between instances: fine on a laptop, not in production.
    if (!configured && production) throw new UnsafeTokenSettingsError(`NODE_ENV=production with JWT_ALG=${tokens.algorithm} needs JWT_PRIVATE_JWKS`);
    signingKeys = configured ? await SigningKeys.fromJwks(configured, tokens.algorithm) : await SigningKeys.generate(tokens.algorithm);
    jwks = await startJwksServer(signingKeys, env.JWKS_LISTEN_ADDR?.trim() || DEFAULT_JWKS_LISTEN_ADDR);
    logger.info({ url: jwks.url, kids: signingKeys.kids }, `publishing signing keys at ${jwks.url}`);
  }

  // Admins are named by the operator; no request can make an account one.
  const admins = new Set((env.ADMIN_USER_IDS ?? '').split(',').map((id) => id.trim()).filter(Boolean));
  const credentials = new MemoryCredentialsRepository(await seedCredentials(seed));
  const refreshTokens = new MemoryRefreshTokensRepository();
  const registrationKeys = new MemoryRegistrationKeysRepository(idempotencyKeyTtlMs(env));
  // Proves itself to the users service (CreateUser on register, ...) with the service credential.
  const users = createServiceClient(UsersServiceService, address('users'), env);
  logger.info({ demoAccounts: seed.demoAccounts, users: users.address }, 'seeded demo credentials');

  const sweep = setInterval(() => {
    refreshTokens.deleteExpired(new Date()).catch((err: unknown) => logger.error({ err }, 'expired token sweep failed'));
  }, EXPIRED_TOKEN_SWEEP_MS);
  sweep.unref();

  return {
    services: [createAuthService({ credentials, refreshTokens, registrationKeys, users: users.api, tokens, signingKeys, admins })],
    signingKeys,
    jwksUrl: jwks?.url,
    close: async () => {
      clearInterval(sweep);
      users.close();
      await jwks?.close();
    },
  };
}

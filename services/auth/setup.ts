import { UsersServiceService } from '../../generated/proto/pinstack/users/v1/users.js';
import { createUnaryClient } from '../common/client.js';
import type { ServiceEnvironment, ServiceSetup } from '../common/setup.js';
import { tokenConfigFromEnv } from '../common/token-config.js';
import { MemoryCredentialsRepository, MemoryRefreshTokensRepository } from './memory-repository.js';
import { seedCredentials } from './seed.js';
import { createAuthService } from './service.js';

const EXPIRED_TOKEN_SWEEP_MS = 60 * 60 * 1000;

/** Production must not sign with the public development secret. */
export class DevelopmentSecretInProductionError extends Error {
  constructor() {
    super('JWT_SECRET must be set in production; refusing to start with the development secret');
    this.name = 'DevelopmentSecretInProductionError';
  }
}

/** The auth service: demo credentials in memory, accounts created through the users service. */
export async function setupAuthService({ seed, env, logger, address }: ServiceEnvironment): Promise<ServiceSetup> {
  const tokens = tokenConfigFromEnv(env);
  // The development secret is public, so anyone could sign tokens the gateway accepts.
  if (env.NODE_ENV === 'production' && tokens.usingDevelopmentSecret) throw new DevelopmentSecretInProductionError();

  const credentials = new MemoryCredentialsRepository(await seedCredentials(seed));
  const refreshTokens = new MemoryRefreshTokensRepository();
  const users = createUnaryClient(UsersServiceService, address('users'));
  logger.info({ demoAccounts: seed.demoAccounts, users: users.address }, 'seeded demo credentials');

  const sweep = setInterval(() => {
    refreshTokens.deleteExpired(new Date()).catch((err: unknown) => logger.error({ err }, 'expired token sweep failed'));
  }, EXPIRED_TOKEN_SWEEP_MS);
  sweep.unref();

  return {
    services: [createAuthService({ credentials, refreshTokens, users: users.api, tokens })],
    close: () => {
      clearInterval(sweep);
      users.close();
    },
  };
}

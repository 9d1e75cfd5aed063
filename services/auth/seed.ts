import { seededUserId, type SeedConfig } from '../common/seed-config.js';
import { hashPassword } from './passwords.js';
import type { CredentialRecord } from './repository.js';

/**
 * Credentials of the demo accounts: the first `config.demoAccounts` seeded
 * users, `user<n>@example.com`, all with `config.demoPassword`. Each gets its
 * own salt, so this hashes once per account (about a second for ten).
 */
export async function seedCredentials(config: SeedConfig): Promise<CredentialRecord[]> {
  const count = Math.min(config.demoAccounts, config.users);
  return Promise.all(
    Array.from({ length: count }, async (_, at): Promise<CredentialRecord> => ({
      userId: seededUserId(at + 1),
      email: `user${at + 1}@example.com`,
      password: await hashPassword(config.demoPassword),
      createdAt: config.epoch,
    })),
  );
}

import { seededUserId, type SeedConfig } from '../common/seed/config.js';
import { seedUsers } from '../common/seed/users.js';
import { hashPassword } from './passwords.js';
import type { CredentialRecord } from './repository.js';

/**
 * Credentials of the demo accounts: the first `config.demoAccounts` seeded
 * users, `user<n>@example.com`, all with `config.demoPassword`. Each gets its
 * own salt, so this hashes once per account (about a second for ten).
 *
 * Each record carries its account's creation time as the users service seeds
 * it (the same rules from the same config), so tokens for a demo account
 * match its profile, and keep matching across restarts of either service.
 */
export async function seedCredentials(config: SeedConfig): Promise<CredentialRecord[]> {
  const count = Math.min(config.demoAccounts, config.users);
  const users = count > 0 ? seedUsers(config) : [];
  return Promise.all(
    Array.from({ length: count }, async (_, at): Promise<CredentialRecord> => {
      const user = users[at]!;
      // The users seed numbers from 1 in order; a mismatch would bind tokens to the wrong account.
      if (user.id !== seededUserId(at + 1)) throw new Error(`seeded user ${at + 1} has id ${user.id}`);
      return {
        userId: user.id,
        accountCreatedAt: user.createdAt,
        email: user.email,
        password: await hashPassword(config.demoPassword),
        createdAt: config.epoch,
      };
    }),
  );
}

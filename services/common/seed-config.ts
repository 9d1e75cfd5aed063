/**
 * The size and shape of the deterministic demo data every reference service
 * seeds at start. Services seed independently, so they agree on ids through
 * these rules alone:
 * - users are `usr_1` … `usr_<users>`, e-mail `user<n>@example.com`;
 * - posts are `pst_1` … `pst_<posts>`;
 * - the first `demoAccounts` users can sign in with `demoPassword`.
 * Objects created at run time take ids past the seeded ones.
 */
export interface SeedConfig {
  users: number;
  posts: number;
  /** Average number of accounts each user follows. */
  followsPerUser: number;
  /** Average number of likes per post. */
  likesPerPost: number;
  demoAccounts: number;
  demoPassword: string;
  /** Seeded objects are created in the 90 days before this instant. */
  epoch: Date;
  /** PRNG seed. */
  seed: number;
}

export const DEFAULT_SEED: SeedConfig = {
  users: 1_000,
  posts: 20_000,
  followsPerUser: 40,
  likesPerPost: 5,
  demoAccounts: 10,
  demoPassword: 'pinstack-demo',
  epoch: new Date('2026-11-01T00:00:00.000Z'),
  seed: 20261124,
};

/**
 * The seed settings from the environment: `SEED_USERS`, `SEED_POSTS`, or
 * `SEED=none` for empty stores (tests that build their own data).
 */
export function seedConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SeedConfig {
  if (env.SEED === 'none') return { ...DEFAULT_SEED, users: 0, posts: 0, demoAccounts: 0 };
  const users = positiveInt(env.SEED_USERS, DEFAULT_SEED.users);
  return {
    ...DEFAULT_SEED,
    users,
    posts: positiveInt(env.SEED_POSTS, DEFAULT_SEED.posts),
    demoAccounts: Math.min(DEFAULT_SEED.demoAccounts, users),
  };
}

function positiveInt(value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new Error(`expected a whole number, got ${JSON.stringify(value)}`);
  return parsed;
}

export function seededUserId(n: number): string {
  return `usr_${n}`;
}

export function seededPostId(n: number): string {
  return `pst_${n}`;
}

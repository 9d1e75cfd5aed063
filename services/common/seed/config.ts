/**
 * The size and shape of the deterministic demo data every reference service
 * seeds at start (none in production unless asked for, see `seedConfigFromEnv`).
 * Services seed independently, so they agree on ids through these rules alone:
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

/** What the services seed at start (`SEED`). */
export type SeedKind =
  /** Users, posts, follows, likes, and `demoAccounts` accounts that sign in with the published `demoPassword`. */
  | 'demo'
  /** The same users, posts, follows and likes, but no account can sign in: no credentials, no password. */
  | 'load'
  /** Empty stores. */
  | 'none';

const SEED_KINDS: readonly SeedKind[] = ['demo', 'load', 'none'];

/**
 * A seed setting a service refuses at start. `setting` names the variable to
 * fix; `code` tells the refusals apart without parsing the message.
 */
export class SeedSettingError extends Error {
  readonly code: 'DEMO_SEED_IN_PRODUCTION' | 'SEED_SIZE_WITHOUT_SEED' | 'INVALID_SEED_SETTING';
  readonly setting: 'SEED' | 'SEED_USERS' | 'SEED_POSTS';

  constructor(code: SeedSettingError['code'], setting: SeedSettingError['setting'], message: string) {
    super(message);
    this.name = 'SeedSettingError';
    this.code = code;
    this.setting = setting;
  }
}

/**
 * Refused at start: the demo seed in production. Its accounts sign in with a
 * password printed in the README, so anyone could sign in as them.
 */
export class DemoSeedInProductionError extends SeedSettingError {
  constructor() {
    super(
      'DEMO_SEED_IN_PRODUCTION',
      'SEED',
      'SEED=demo is refused in production: its demo accounts sign in with the published password. ' +
        'Leave SEED unset to start empty, or set SEED=load for users and posts that no one can sign in as',
    );
    this.name = 'DemoSeedInProductionError';
  }
}

/**
 * The seed settings from the environment: `SEED` (`demo`, `load` or `none`)
 * sized by `SEED_USERS` and `SEED_POSTS`.
 *
 * Outside production `SEED` defaults to `demo`, so a laptop has accounts to
 * sign in with. In production it defaults to `none`: a production store starts
 * empty unless an operator names a seed, and `SEED=demo` is refused
 * (`DemoSeedInProductionError`). `SEED=load` is allowed there (a load test
 * needs data) because no seeded account has a password. `SEED_USERS` or
 * `SEED_POSTS` without `SEED` in production is refused rather than ignored,
 * since the operator evidently meant some seed.
 */
export function seedConfigFromEnv(env: NodeJS.ProcessEnv = process.env): SeedConfig {
  const production = env.NODE_ENV === 'production';
  const kind = seedKind(env, production);
  if (kind === 'none') return { ...DEFAULT_SEED, users: 0, posts: 0, demoAccounts: 0 };
  if (kind === 'demo' && production) throw new DemoSeedInProductionError();
  const users = wholeNumber(env, 'SEED_USERS', DEFAULT_SEED.users);
  return {
    ...DEFAULT_SEED,
    users,
    posts: wholeNumber(env, 'SEED_POSTS', DEFAULT_SEED.posts),
    demoAccounts: kind === 'demo' ? Math.min(DEFAULT_SEED.demoAccounts, users) : 0,
  };
}

function seedKind(env: NodeJS.ProcessEnv, production: boolean): SeedKind {
  const raw = env.SEED?.trim() ?? '';
  if (raw === '') {
    if (!production) return 'demo';
    const sized = (['SEED_USERS', 'SEED_POSTS'] as const).find((name) => (env[name]?.trim() ?? '') !== '');
    if (sized) {
      throw new SeedSettingError(
        'SEED_SIZE_WITHOUT_SEED',
        sized,
        `${sized} is set but SEED is not: production seeds nothing unless SEED names a seed (SEED=load; SEED=demo is refused)`,
      );
    }
    return 'none';
  }
  if (!(SEED_KINDS as readonly string[]).includes(raw)) {
    throw new SeedSettingError('INVALID_SEED_SETTING', 'SEED', `SEED must be one of ${SEED_KINDS.join(', ')}, got ${JSON.stringify(raw)}`);
  }
  return raw as SeedKind;
}

function wholeNumber(env: NodeJS.ProcessEnv, name: 'SEED_USERS' | 'SEED_POSTS', fallback: number): number {
  const value = env[name];
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) {
    throw new SeedSettingError('INVALID_SEED_SETTING', name, `${name} must be a whole number, got ${JSON.stringify(value)}`);
  }
  return parsed;
}

export function seededUserId(n: number): string {
  return `usr_${n}`;
}

export function seededPostId(n: number): string {
  return `pst_${n}`;
}

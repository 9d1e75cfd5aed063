import { createRandom, randomInt } from '../random.js';
import { seededUserId, type SeedConfig } from './config.js';

/**
 * A user profile, seeded or not: the users service stores it whole (its
 * `UserRecord`), the auth service takes a seeded one's e-mail and creation time
 * for its credentials.
 */
export interface SeededUser {
  /**
   * `usr_<n>` for the seeded demo users; the users service gives users created
   * at run time `usr_<UUIDv7>` (`newId`), random and never given out twice, so
   * that an id names one account for ever.
   */
  id: string;
  username: string;
  displayName: string;
  bio: string;
  avatarUrl: string;
  /** Lower-case, so that comparing addresses is comparing strings. */
  email: string;
  createdAt: Date;
}

const FIRST_NAMES = [
  'Ada', 'Alan', 'Amara', 'Ana', 'Arjun', 'Beatriz', 'Chen', 'Chloe', 'Dmitri', 'Elena',
  'Emeka', 'Fatima', 'Felix', 'Grace', 'Hana', 'Hugo', 'Ines', 'Isaac', 'Jamal', 'Julia',
  'Kai', 'Keiko', 'Lars', 'Leila', 'Lucas', 'Maya', 'Mateo', 'Nadia', 'Noah', 'Olga',
  'Omar', 'Priya', 'Rafael', 'Rosa', 'Sami', 'Sofia', 'Tariq', 'Uma', 'Yusuf', 'Zoe',
];

const LAST_NAMES = [
  'Abe', 'Alvarez', 'Bauer', 'Bianchi', 'Costa', 'Dubois', 'Eriksen', 'Fischer', 'Garcia', 'Haddad',
  'Ibrahim', 'Jensen', 'Kim', 'Kowalski', 'Lopez', 'Mbeki', 'Moreau', 'Nakamura', 'Novak', 'Okafor',
  'Olsen', 'Patel', 'Petrov', 'Quinn', 'Rossi', 'Santos', 'Schmidt', 'Silva', 'Tanaka', 'Walsh',
];

const INTERESTS = [
  'Street photography', 'Mid-century furniture', 'Sourdough', 'Watercolor', 'Trail running',
  'Ceramics', 'Brutalist architecture', 'Houseplants', 'Film cameras', 'Typography',
  'Vintage maps', 'Bouldering', 'Knitting', 'Coffee', 'Urban sketching', 'Bonsai',
  'Tiny homes', 'Retro games', 'Botanical prints', 'Bike touring',
];

const TAGLINES = [
  'Pinning what makes me smile.',
  'Collecting ideas for a slower life.',
  'Mostly boards about home projects.',
  'Saving inspiration one pin at a time.',
  'Weekend maker, weekday engineer.',
  'Here for the color palettes.',
  'Always planning the next trip.',
];

const DAY_MS = 24 * 60 * 60 * 1000;
/** Seeded users sign up during the 90 days before `epoch`. */
export const SEED_WINDOW_MS = 90 * DAY_MS;
// Each service draws from its own stream, so adding a draw here changes no other service's data.
const STREAM = 0x75736572;

/**
 * The seeded users `usr_1` … `usr_<config.users>`: the same on every start for
 * the same config. They signed up in id order across the 90 days before
 * `config.epoch`, each with a unique username that passes the username rules.
 *
 * Their ids stay readable and sequential on purpose, unlike the random ids of
 * accounts made at run time: every start recreates the very same accounts
 * (same e-mail, password and creation time), so `usr_5` after a restart is the
 * account `usr_5` was before it, and a token issued for it may go on acting
 * for it. Run-time ids are `usr_<UUIDv7>` (services/common/ids.ts), never
 * digits alone, so they cannot collide with these.
 */
export function seedUsers(config: SeedConfig): SeededUser[] {
  const random = createRandom(config.seed ^ STREAM);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
  const taken = new Set<string>();
  const start = config.epoch.getTime() - SEED_WINDOW_MS;
  const slot = config.users > 0 ? SEED_WINDOW_MS / config.users : 0;
  const users: SeededUser[] = [];

  for (let n = 1; n <= config.users; n++) {
    const first = pick(FIRST_NAMES);
    const last = pick(LAST_NAMES);
    const username = uniqueUsername(candidateUsername(first, last, random), taken, random);
    taken.add(username);
    users.push({
      id: seededUserId(n),
      username,
      displayName: `${first} ${last}`,
      bio: random() < 0.15 ? '' : seedBio(random, pick(TAGLINES)),
      avatarUrl: `https://images.pinstack.dev/avatars/${n}.jpg`,
      email: `user${n}@example.com`,
      createdAt: new Date(Math.floor(start + (n - 1) * slot + random() * slot)),
    });
  }
  return users;
}

/** Two different interests and a tagline; some seeded users leave their bio empty. */
function seedBio(random: () => number, tagline: string): string {
  const first = randomInt(random, 0, INTERESTS.length - 1);
  const second = (first + randomInt(random, 1, INTERESTS.length - 1)) % INTERESTS.length;
  return `${INTERESTS[first]} and ${INTERESTS[second]!.toLowerCase()}. ${tagline}`;
}

function candidateUsername(first: string, last: string, random: () => number): string {
  const f = first.toLowerCase();
  const l = last.toLowerCase();
  switch (randomInt(random, 0, 3)) {
    case 0:
      return `${f}_${l}`;
    case 1:
      return `${f}${l}${randomInt(random, 1, 99)}`;
    case 2:
      return `${f[0]}${l}`;
    default:
      return `${f}_${randomInt(random, 1970, 2008)}`;
  }
}

/** `base`, or `base` with a number appended when the name is taken (names stay within 30 characters). */
function uniqueUsername(base: string, taken: ReadonlySet<string>, random: () => number): string {
  if (!taken.has(base)) return base;
  for (let digits = 2; ; digits++) {
    const suffix = String(randomInt(random, 10 ** (digits - 1), 10 ** digits - 1));
    const name = `${base.slice(0, 30 - suffix.length)}${suffix}`;
    if (!taken.has(name)) return name;
  }
}

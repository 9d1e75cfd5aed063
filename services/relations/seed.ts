import { createRandom, randomInt } from '../common/random.js';
import { seededUserId, type SeedConfig } from '../common/seed/config.js';
import type { NewFollow } from './repository.js';

const SEED_WINDOW_MS = 90 * 24 * 60 * 60 * 1000;
// Each service draws from its own stream, so adding a draw here changes no other service's data.
const STREAM = 0x666f6c6c;
/**
 * How strongly follows gather on popular accounts: a followee is the account
 * at popularity rank ⌊n·u^SKEW⌋ for a uniform u, so the top 1% of accounts
 * draw about 10% of all follows and the top 10% about a third.
 */
const POPULARITY_SKEW = 2;

/**
 * The seeded follow graph, the same on every start for the same config. Each
 * seeded user follows about `followsPerUser` others (between half and one and
 * a half times as many), never themselves and never twice. Followees are drawn
 * with a bias toward a few popular accounts, which are scattered over the ids
 * rather than being the first ones. Follows happen during the 90 days before
 * `config.epoch`.
 */
export function seedFollows(config: SeedConfig): NewFollow[] {
  const users = config.users;
  if (users < 2 || config.followsPerUser <= 0) return [];
  const random = createRandom(config.seed ^ STREAM);
  const byPopularity = shuffled(users, random);
  const start = config.epoch.getTime() - SEED_WINDOW_MS;
  const follows: NewFollow[] = [];

  for (let follower = 1; follower <= users; follower++) {
    const wanted = Math.min(
      users - 1,
      randomInt(random, Math.ceil(config.followsPerUser / 2), Math.floor((config.followsPerUser * 3) / 2)),
    );
    const followees = new Set<number>();
    // The bias makes the least popular accounts rare draws; the bound on
    // attempts keeps a small network from searching long for the last few.
    for (let attempt = 0; followees.size < wanted && attempt < wanted * 20; attempt++) {
      const followee = byPopularity[Math.floor(users * random() ** POPULARITY_SKEW)]!;
      if (followee !== follower) followees.add(followee);
    }
    for (const followee of followees) {
      follows.push({
        followerId: seededUserId(follower),
        followeeId: seededUserId(followee),
        createdAt: new Date(Math.floor(start + random() * SEED_WINDOW_MS)),
      });
    }
  }
  return follows;
}

/** User numbers 1…n in a random order (Fisher–Yates). */
function shuffled(n: number, random: () => number): number[] {
  const numbers = Array.from({ length: n }, (_, at) => at + 1);
  for (let at = n - 1; at > 0; at--) {
    const other = randomInt(random, 0, at);
    [numbers[at], numbers[other]] = [numbers[other]!, numbers[at]!];
  }
  return numbers;
}

import { createRandom, randomInt } from '../random.js';
import { seededPostId, seededUserId, type SeedConfig } from './config.js';

/** A post, seeded or not, as the posts service stores it (its `PostRecord`). `createdAt` is in epoch milliseconds. */
export interface SeededPost {
  /** `pst_<n>` for seeded posts; the posts service gives posts created at run time `pst_<UUIDv7>` (`newId`). */
  readonly id: string;
  readonly authorId: string;
  readonly title: string;
  readonly description: string;
  readonly imageUrl: string;
  readonly createdAt: number;
}

/** Posts and likes to start a store with. */
export interface PostSeed {
  readonly posts: readonly SeededPost[];
  /** `[postId, userId]` pairs, no pair twice. */
  readonly likes: readonly (readonly [postId: string, userId: string])[];
}

const DAY_MS = 24 * 60 * 60 * 1000;
const SEED_SPAN_MS = 90 * DAY_MS;

const ADJECTIVES = [
  'Rustic', 'Minimal', 'Cozy', 'Vintage', 'Bright', 'Hand-made', 'Scandinavian', 'Moody', 'Airy', 'Tiny',
  'Coastal', 'Botanical', 'Golden-hour', 'Industrial', 'Pastel', 'Wild', 'Quiet', 'Bold', 'Weekend', 'Rainy-day',
];
const SUBJECTS = [
  'kitchen shelf', 'reading nook', 'sourdough loaf', 'balcony garden', 'watercolor study', 'desk setup',
  'mountain trail', 'ceramic mug', 'linen bedroom', 'street corner', 'knitted scarf', 'lemon tart',
  'bookcase', 'terrarium', 'wedding table', 'city skyline', 'bike repair', 'tile pattern', 'cabin porch', 'herb rack',
];
const OPENINGS = [
  'Saved this for the next weekend project.',
  'Found this on a morning walk and could not stop looking.',
  'The colours here are exactly what I wanted.',
  'A simple idea that took an afternoon.',
  'Trying this again with better light.',
  'Notes to self: start small, keep it tidy.',
];
const DETAILS = [
  'Materials were cheap and easy to find.',
  'Everything fits in one small corner.',
  'Works just as well on a rented wall.',
  'The trick is to leave some empty space.',
  'Second attempt, much happier with it.',
  'Would love to see other versions of this.',
];

/**
 * Deterministic demo posts for `config`: `pst_1 … pst_<posts>`, created over
 * the 90 days before `config.epoch` with ids growing with creation time, as a
 * live store would assign them. Authors are skewed, as on a real network: a
 * few accounts post a lot and most post a little, and which accounts are
 * prolific is shuffled so it is not simply `usr_1`. Each post gets about
 * `likesPerPost` likes from distinct users other than its author.
 *
 * Readable ids on purpose: the seed is demo data recreated identically at
 * every start, so `pst_7` is the same post each time. Posts created at run
 * time get `pst_<UUIDv7>` (services/common/ids.ts), never digits alone, so
 * they cannot collide with these.
 */
export function seedPosts(config: SeedConfig): PostSeed {
  if (config.users === 0 || config.posts === 0) return { posts: [], likes: [] };
  // Its own stream, so changing another service's seed never changes these posts.
  const random = createRandom(config.seed ^ 0x9e3779b1);
  const epoch = config.epoch.getTime();

  // Rank r of n users is drawn with density ~ 1/sqrt(r): the top rank gets
  // about 3% of the posts at the default size, the bottom ranks a handful each.
  const authorByRank = shuffledUserNumbers(config.users, random);

  // Whole seconds before the epoch, sorted ascending so pst_1 is the oldest.
  const times = Array.from({ length: config.posts }, () => epoch - 1000 * (1 + Math.floor((random() * SEED_SPAN_MS) / 1000)));
  times.sort((a, b) => a - b);

  const posts: SeededPost[] = new Array(config.posts);
  const likes: (readonly [string, string])[] = [];
  for (let i = 0; i < config.posts; i++) {
    const number = i + 1;
    const rank = Math.floor(config.users * random() ** 2);
    const authorNumber = authorByRank[rank]!;
    const post: SeededPost = {
      id: seededPostId(number),
      authorId: seededUserId(authorNumber),
      title: `${pick(ADJECTIVES, random)} ${pick(SUBJECTS, random)}`,
      description: random() < 0.15 ? '' : `${pick(OPENINGS, random)} ${pick(DETAILS, random)}`,
      imageUrl: `https://images.pinstack.dev/pins/${number}.jpg`,
      createdAt: times[i]!,
    };
    posts[i] = post;

    // Between 0 and twice the average, so the mean is `likesPerPost`.
    const wanted = Math.min(randomInt(random, 0, 2 * config.likesPerPost), config.users - 1);
    const likers = new Set<number>();
    while (likers.size < wanted) {
      const liker = randomInt(random, 1, config.users);
      if (liker !== authorNumber) likers.add(liker);
    }
    for (const liker of likers) likes.push([post.id, seededUserId(liker)]);
  }
  return { posts, likes };
}

/** User numbers 1…n in a seeded random order (Fisher–Yates). */
function shuffledUserNumbers(users: number, random: () => number): number[] {
  const numbers = Array.from({ length: users }, (_, i) => i + 1);
  for (let i = numbers.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [numbers[i], numbers[j]] = [numbers[j]!, numbers[i]!];
  }
  return numbers;
}

function pick<T>(items: readonly T[], random: () => number): T {
  return items[Math.floor(random() * items.length)]!;
}

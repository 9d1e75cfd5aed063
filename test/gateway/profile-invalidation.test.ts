import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { MutationResolvers } from '../../generated/graphql/resolvers-types.js';
import { buildSchema } from '../../src/schema.js';
import type { CacheEntry, CallEntry } from '../../src/telemetry/calls.js';
import { graphql, type GraphQLResponse } from '../support/graphql.js';
import { startStack, type TestStack } from '../support/stack.js';

/**
 * Every mutation, held to what it does to cached profiles: a write that
 * changes what a profile shows must drop that profile, so the next read shows
 * the change rather than the cached profile. The table names every mutation
 * of the schema (the test walks it), so a new mutation fails here until
 * someone decides what it changes.
 */

type MutationName = keyof MutationResolvers;

const PROFILE = `query($id: ID!) {
  profile(userId: $id) { user { id displayName bio } followersCount followingCount recentPosts { id likesCount } }
}`;

interface Profile {
  user: { id: string; displayName: string; bio: string };
  followersCount: number;
  followingCount: number;
  recentPosts: { id: string; likesCount: number }[];
}

/** Profiles by user id, as read before and after a write. */
type Profiles = Record<string, Profile>;

/** What the scenarios run with: the stack, and a signed-in viewer who writes. */
interface World {
  stack: TestStack;
  /** The viewer's id and token (`user3@example.com`). */
  viewer: { id: string; token: string };
  /** A token of an admin, who is not the viewer (`user4@example.com`, in ADMIN_USER_IDS). */
  adminToken: string;
  /** Runs a GraphQL operation as `token` (the viewer's unless given) and fails on any error. */
  run<D>(query: string, variables?: Record<string, unknown>, token?: string): Promise<D>;
}

/** One run of a write that changes profiles. */
interface Scenario {
  /** Whose profiles the write must change; they are cached (and proved cached) before it runs. */
  profiles: string[];
  /** The write, through the gateway. */
  write(): Promise<void>;
  /** Fails unless the profiles read after the write show its change. */
  shows(before: Profiles, after: Profiles): void;
}

/** What a mutation does to cached profiles: nothing a profile shows, or a change to these users' profiles. */
type ProfileEffect =
  | { readonly changes: 'no profile data'; readonly because: string }
  | { readonly changes: 'profiles'; readonly scenario: (world: World) => Promise<Scenario> };

const VIEWER_ID = 'usr_3';
/** Someone the viewer may follow and unfollow. */
const FOLLOWED = 'usr_40';
/** An author whose post the viewer likes. */
const AUTHOR = 'usr_9';

const CREATE_POST = `mutation($title: String!) { createPost(input: { title: $title, imageUrl: "https://img.example/inv.jpg" }) { id } }`;

async function isFollowing(world: World, userId: string): Promise<boolean> {
  return (await world.run<{ user: { isFollowedByViewer: boolean } }>(`query($id: ID!) { user(id: $id) { isFollowedByViewer } }`, { id: userId })).user
    .isFollowedByViewer;
}

/** Sets the viewer's follow of `userId` to `following`, so that the write under test changes it. */
async function setFollowing(world: World, userId: string, following: boolean): Promise<void> {
  if ((await isFollowing(world, userId)) !== following) await world.run(`mutation($id: ID!) { ${following ? 'follow' : 'unfollow'}(userId: $id) { id } }`, { id: userId });
}

/** The newest post of `AUTHOR`, with the viewer's like set to `liked`, so that the write under test changes it. */
async function authorPostLiked(world: World, liked: boolean): Promise<string> {
  const query = `query($id: ID!) { user(id: $id) { posts(first: 1) { edges { node { id likedByViewer } } } } }`;
  const { user } = await world.run<{ user: { posts: { edges: { node: { id: string; likedByViewer: boolean } }[] } } }>(query, { id: AUTHOR });
  const post = user.posts.edges[0]!.node;
  if (post.likedByViewer !== liked) await world.run(`mutation($id: ID!) { ${liked ? 'likePost' : 'unlikePost'}(postId: $id) { id } }`, { id: post.id });
  return post.id;
}

const likesOf = (profile: Profile | undefined, postId: string) => profile?.recentPosts.find((post) => post.id === postId)?.likesCount;

/** Follow counts move by `sign` on both sides: the followed user's followers, the viewer's following. */
function followScenario(change: 'follow' | 'unfollow') {
  const sign = change === 'follow' ? 1 : -1;
  return async (world: World): Promise<Scenario> => {
    await setFollowing(world, FOLLOWED, change === 'unfollow');
    return {
      profiles: [world.viewer.id, FOLLOWED],
      write: () => world.run(`mutation($id: ID!) { ${change}(userId: $id) { id } }`, { id: FOLLOWED }),
      shows: (before, after) => {
        assert.equal(after[FOLLOWED]?.followersCount, before[FOLLOWED]!.followersCount + sign);
        assert.equal(after[world.viewer.id]?.followingCount, before[world.viewer.id]!.followingCount + sign);
      },
    };
  };
}

/** A like or unlike moves the post's count on its author's profile by `sign`. */
function likeScenario(change: 'likePost' | 'unlikePost') {
  const sign = change === 'likePost' ? 1 : -1;
  return async (world: World): Promise<Scenario> => {
    const postId = await authorPostLiked(world, change === 'unlikePost');
    return {
      profiles: [AUTHOR],
      write: () => world.run(`mutation($id: ID!) { ${change}(postId: $id) { id } }`, { id: postId }),
      shows: (before, after) => assert.equal(likesOf(after[AUTHOR], postId), likesOf(before[AUTHOR], postId)! + sign),
    };
  };
}

/** The table: every mutation of the schema, and what it does to cached profiles. */
const PROFILE_EFFECTS: Record<MutationName, ProfileEffect> = {
  register: { changes: 'no profile data', because: 'it creates an account, and no profile of an id that did not exist can be cached (NOT_FOUND is never cached)' },
  login: { changes: 'no profile data', because: 'it issues tokens' },
  refreshToken: { changes: 'no profile data', because: 'it issues tokens' },
  logout: { changes: 'no profile data', because: 'it revokes tokens' },
  markNotificationsRead: { changes: 'no profile data', because: 'a profile shows no notifications' },
  createPost: {
    changes: 'profiles',
    scenario: async (world) => {
      let postId = '';
      return {
        profiles: [world.viewer.id],
        write: async () => {
          postId = (await world.run<{ createPost: { id: string } }>(CREATE_POST, { title: 'listed at once' })).createPost.id;
        },
        shows: (_before, after) => assert.equal(after[world.viewer.id]?.recentPosts[0]?.id, postId),
      };
    },
  },
  deletePost: {
    changes: 'profiles',
    // The harder case: an admin deletes another author's post, so the profile to drop is not the viewer's.
    scenario: async (world) => {
      const { createPost } = await world.run<{ createPost: { id: string } }>(CREATE_POST, { title: 'deleted by an admin' });
      return {
        profiles: [world.viewer.id],
        write: () => world.run(`mutation($id: ID!) { deletePost(id: $id) }`, { id: createPost.id }, world.adminToken),
        shows: (before, after) => {
          assert.ok(before[world.viewer.id]!.recentPosts.some((post) => post.id === createPost.id), 'listed before');
          assert.ok(!after[world.viewer.id]!.recentPosts.some((post) => post.id === createPost.id), 'gone after');
        },
      };
    },
  },
  likePost: { changes: 'profiles', scenario: likeScenario('likePost') },
  unlikePost: { changes: 'profiles', scenario: likeScenario('unlikePost') },
  follow: { changes: 'profiles', scenario: followScenario('follow') },
  unfollow: { changes: 'profiles', scenario: followScenario('unfollow') },
  updateProfile: {
    changes: 'profiles',
    scenario: async (world) => {
      const stamp = `${Date.now()}`;
      return {
        profiles: [world.viewer.id],
        write: () => world.run(`mutation($name: String, $bio: String) { updateProfile(input: { displayName: $name, bio: $bio }) { id } }`, { name: `Name ${stamp}`, bio: `Bio ${stamp}` }),
        shows: (_before, after) => assert.deepEqual(after[world.viewer.id]?.user, { id: world.viewer.id, displayName: `Name ${stamp}`, bio: `Bio ${stamp}` }),
      };
    },
  },
};

describe('every mutation is held to what it changes in cached profiles', () => {
  it('the table names every mutation of the schema, and no other', () => {
    const fields = Object.keys(buildSchema().getMutationType()?.getFields() ?? {}).sort();
    const missing = fields.filter((name) => !Object.hasOwn(PROFILE_EFFECTS, name));
    assert.deepEqual(missing, [], `say in PROFILE_EFFECTS what these change in a profile: ${missing.join(', ')}`);
    assert.deepEqual(Object.keys(PROFILE_EFFECTS).sort(), fields);
  });

  describe('each write that changes profiles shows its change at the next read of each, from a cached profile', () => {
    let stack: TestStack;
    let world: World;

    before(async () => {
      // The in-memory store: what is asserted is the gateway's invalidation, the same over Redis (test/redis/profile-cache.test.ts).
      stack = await startStack({ env: { ADMIN_USER_IDS: 'usr_4', PROFILE_CACHE_TTL_SECONDS: '600' } });
      const token = await stack.login('user3@example.com');
      const adminToken = await stack.login('user4@example.com');
      world = {
        stack,
        viewer: { id: VIEWER_ID, token },
        adminToken,
        async run<D>(query: string, variables: Record<string, unknown> = {}, as = token): Promise<D> {
          const response = await graphql<D>(stack.url, query, { variables, token: as });
          assert.equal(response.errors, undefined, JSON.stringify(response.errors));
          return response.data!;
        },
      };
    });
    after(() => stack.stop());

    /** Reads the profile of `userId` and how the profile cache answered it (from `extensions.calls`). */
    async function readProfile(userId: string): Promise<{ profile: Profile; lookup: CacheEntry['result'] | undefined }> {
      const response = (await graphql<{ profile: Profile }>(stack.url, PROFILE, { variables: { id: userId } })) as GraphQLResponse<{ profile: Profile }> & {
        extensions?: { calls?: CallEntry[] };
      };
      assert.equal(response.errors, undefined, JSON.stringify(response.errors));
      const lookup = response.extensions?.calls?.find((entry): entry is CacheEntry => 'cache' in entry && entry.key === userId);
      return { profile: response.data!.profile, lookup: lookup?.result };
    }

    for (const [name, effect] of Object.entries(PROFILE_EFFECTS)) {
      if (effect.changes !== 'profiles') continue;
      it(`${name}: the profiles it changes are dropped, and their next read shows the change`, async () => {
        const scenario = await effect.scenario(world);
        const before: Profiles = {};
        for (const userId of scenario.profiles) {
          await readProfile(userId);
          const cached = await readProfile(userId);
          // Cached, or a write that forgot to drop it could not be told from one that did.
          assert.equal(cached.lookup, 'hit', `${userId} is cached before ${name}`);
          before[userId] = cached.profile;
        }

        await scenario.write();

        const after: Profiles = {};
        for (const userId of scenario.profiles) {
          const read = await readProfile(userId);
          assert.equal(read.lookup, 'miss', `${name} dropped the cached profile of ${userId}`);
          after[userId] = read.profile;
        }
        scenario.shows(before, after);
      });
    }
  });
});

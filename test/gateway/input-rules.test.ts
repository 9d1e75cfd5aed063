import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FieldRuleName } from '../../platform/rules/index.js';
import { seedUsers } from '../../services/common/seed/users.js';
import { errorCodes, graphql, type GraphQLResponse } from '../support/graphql.js';
import { INPUT_CASES, type InputCase } from '../support/input-cases.js';
import { startStack, TEST_SEED, type TestStack } from '../support/stack.js';

/*
 * The shared table of input cases (test/support/input-cases.ts) sent through
 * the gateway over HTTP. A refused case is BAD_USER_INPUT naming the argument
 * and sends no RPC; an accepted one reaches the service, and the value read
 * back is the table's normalised value. test/services/input-rules.test.ts
 * sends the same cases to the services over gRPC.
 */

type Response = GraphQLResponse<Record<string, unknown>>;

/** One accepted case as its probe sees it. */
interface Accepted {
  /** The case's number, which kept its account or post apart. */
  readonly n: number;
  /** The normalised value from the table. */
  readonly expected: unknown;
}

/** How one field's cases are sent through the gateway. */
interface Probe {
  /** The argument path the gateway names for this field. */
  readonly field: string;
  /** The RPC the value goes on to (`users.UpdateProfile`), never called for a refused value. */
  readonly rpc: string;
  send(input: unknown, n: number): Promise<Response>;
  /**
   * Asserts that an accepted case went on with the table's value. Without it
   * the test checks that the value got past the rules to `rpc`.
   */
  check?(response: Response, accepted: Accepted): Promise<void> | void;
}

const PASSWORD = 'a long enough password';
const IMAGE = 'https://img.example/case.jpg';
/** A query that finds at least one seeded user: the first letter of one's username. */
const SEARCHED = seedUsers(TEST_SEED)[0]!.username.slice(0, 1);

describe('input rules at the gateway (GraphQL over HTTP)', () => {
  let stack: TestStack;
  let token: string;
  // Each case has a number, which keeps the accounts and posts accepted cases create apart.
  let n = 0;

  const request = (query: string, variables: Record<string, unknown>, signedIn = false) =>
    graphql(stack.url, query, { variables, ...(signedIn ? { token } : {}) });
  const succeeded = (response: Response) => assert.equal(response.errors, undefined, JSON.stringify(response.errors));
  /** `field` of the object `response.data[key]`. */
  const read = (response: Response, key: string, field: string) => {
    succeeded(response);
    return (response.data?.[key] as Record<string, unknown>)[field];
  };

  const register = (input: Record<string, unknown>) =>
    request(`mutation($input: RegisterInput!) { register(input: $input) { user { username email } } }`, { input });
  const login = (email: unknown, password: unknown) =>
    request(`mutation($email: String!, $password: String!) { login(input: { email: $email, password: $password }) { accessToken } }`, {
      email,
      password,
    });
  const updateProfile = (input: Record<string, unknown>) =>
    request(`mutation($input: UpdateProfileInput!) { updateProfile(input: $input) { displayName bio avatarUrl } }`, { input }, true);
  const createPost = (input: Record<string, unknown>) =>
    request(`mutation($input: CreatePostInput!) { createPost(input: $input) { id title description imageUrl } }`, { input }, true);
  const search = (query: unknown, first: unknown = 100) =>
    request(`query($query: String!, $first: Int) { searchUsers(query: $query, first: $first) { id } }`, { query, first });

  const PROBES: Record<FieldRuleName, Probe> = {
    username: {
      field: 'input.username',
      rpc: 'auth.Register',
      send: (username, n) => register({ username, email: `username-${n}@cases.example`, password: PASSWORD, displayName: 'Case' }),
      check: (response, { expected }) => assert.equal((read(response, 'register', 'user') as { username: string }).username, expected),
    },
    email: {
      field: 'input.email',
      rpc: 'auth.Register',
      send: (email, n) => register({ username: `email_case_${n}`, email, password: PASSWORD, displayName: 'Case' }),
      // The registering request is signed in as the new account, so it sees the address.
      check: (response, { expected }) => assert.equal((read(response, 'register', 'user') as { email: string }).email, expected),
    },
    password: {
      field: 'input.password',
      rpc: 'auth.Register',
      send: (password, n) => register({ username: `password_case_${n}`, email: `password-${n}@cases.example`, password, displayName: 'Case' }),
      // The password kept is the one that signs in.
      check: async (response, { n, expected }) => {
        succeeded(response);
        succeeded(await login(`password-${n}@cases.example`, expected));
      },
    },
    signInEmail: {
      field: 'input.email',
      rpc: 'auth.Login',
      send: (email) => login(email, 'some password'),
    },
    signInPassword: {
      field: 'input.password',
      rpc: 'auth.Login',
      send: (password, n) => login(`nobody-${n}@cases.example`, password),
    },
    refreshToken: {
      field: 'refreshToken',
      rpc: 'auth.RefreshToken',
      send: (refreshToken) => request(`mutation($refreshToken: String!) { refreshToken(refreshToken: $refreshToken) { accessToken } }`, { refreshToken }),
    },
    displayName: {
      field: 'input.displayName',
      rpc: 'users.UpdateProfile',
      send: (displayName) => updateProfile({ displayName }),
      check: (response, { expected }) => assert.equal(read(response, 'updateProfile', 'displayName'), expected),
    },
    bio: {
      field: 'input.bio',
      rpc: 'users.UpdateProfile',
      send: (bio) => updateProfile({ bio }),
      check: (response, { expected }) => assert.equal(read(response, 'updateProfile', 'bio'), expected),
    },
    avatarUrl: {
      field: 'input.avatarUrl',
      rpc: 'users.UpdateProfile',
      send: (avatarUrl) => updateProfile({ avatarUrl }),
      // The schema shows a removed avatar as null.
      check: (response, { expected }) => assert.equal(read(response, 'updateProfile', 'avatarUrl') ?? '', expected),
    },
    searchQuery: {
      field: 'query',
      rpc: 'users.SearchUsers',
      send: (query) => search(query),
      // The users found are those found for the normalised query.
      check: async (response, { expected }) => {
        succeeded(response);
        assert.deepEqual(response.data?.searchUsers, (await search(expected)).data?.searchUsers);
      },
    },
    title: {
      field: 'input.title',
      rpc: 'posts.CreatePost',
      send: (title) => createPost({ title, imageUrl: IMAGE }),
      check: (response, { expected }) => assert.equal(read(response, 'createPost', 'title'), expected),
    },
    description: {
      field: 'input.description',
      rpc: 'posts.CreatePost',
      send: (description) => createPost({ title: 'Described', description, imageUrl: IMAGE }),
      check: (response, { expected }) => assert.equal(read(response, 'createPost', 'description'), expected),
    },
    imageUrl: {
      field: 'input.imageUrl',
      rpc: 'posts.CreatePost',
      send: (imageUrl) => createPost({ title: 'Pictured', imageUrl }),
      check: (response, { expected }) => assert.equal(read(response, 'createPost', 'imageUrl'), expected),
    },
    id: {
      field: 'postId',
      rpc: 'posts.LikePost',
      send: (postId) => request(`mutation($postId: ID!) { likePost(postId: $postId) { id } }`, { postId }, true),
      check: (response, { expected }) => assert.equal(read(response, 'likePost', 'id'), expected),
    },
    idList: {
      field: 'ids',
      rpc: 'users.BatchGetUsers',
      send: (ids) => request(`query($ids: [ID!]!) { users(ids: $ids) { id } }`, { ids }),
      check: (response, { expected }) => {
        succeeded(response);
        assert.deepEqual((response.data?.users as { id: string }[]).map((user) => user.id), expected);
      },
    },
    pageSize: {
      field: 'first',
      rpc: 'users.SearchUsers',
      send: (first) => search(SEARCHED, first),
      check: (response, { expected }) => {
        succeeded(response);
        const found = (response.data?.searchUsers as unknown[]).length;
        assert.ok(found >= 1 && found <= (expected as number), `${found} users for first: ${String(expected)}`);
      },
    },
    cursor: {
      field: 'after',
      rpc: 'posts.ListFeed',
      send: (after) => request(`query($after: String) { feed(first: 1, after: $after) { edges { cursor } } }`, { after }, true),
      check: (response) => assert.equal((read(response, 'feed', 'edges') as unknown[]).length, 1),
    },
    idempotencyKey: {
      field: 'input.clientMutationId',
      rpc: 'posts.CreatePost',
      send: (clientMutationId, n) => createPost({ title: `Keyed ${n}`, imageUrl: IMAGE, clientMutationId }),
      // A repeat under the normalised key answers with the same post: that is the key kept.
      check: async (response, { n, expected }) => {
        const first = read(response, 'createPost', 'id');
        const repeat = await createPost({ title: `Keyed ${n}`, imageUrl: IMAGE, clientMutationId: expected });
        assert.equal(read(repeat, 'createPost', 'id'), first);
      },
    },
  };

  before(async () => {
    stack = await startStack({
      env: { RATE_LIMIT_REGISTER: '10000/3600', RATE_LIMIT_LOGIN: '10000/300', RATE_LIMIT_REFRESH: '10000/300', PROFILE_CACHE_TTL_SECONDS: '0' },
    });
    token = await stack.login('user1@example.com');
  });
  after(() => stack.stop());

  const callsOf = (rpc: string) => stack.callsByMethod()[rpc] ?? 0;

  for (const [name, probe] of Object.entries(PROBES) as [FieldRuleName, Probe][]) {
    describe(name, () => {
      for (const entry of INPUT_CASES[name] as readonly InputCase<unknown, unknown>[]) {
        const { outcome } = entry;
        if (!outcome.accepted) {
          it(`refuses ${entry.name}: BAD_USER_INPUT naming ${probe.field}, and ${probe.rpc} is not called`, async () => {
            const calls = callsOf(probe.rpc);
            const response = await probe.send(entry.input, ++n);
            assert.deepEqual(errorCodes(response), ['BAD_USER_INPUT'], JSON.stringify(response.errors));
            const field = response.errors?.[0]?.extensions?.field ?? '';
            // A list entry is named by its position after the list (`ids.1`).
            assert.ok(field === probe.field || field.startsWith(`${probe.field}.`), `named ${field}`);
            assert.equal(callsOf(probe.rpc), calls);
          });
          continue;
        }
        it(`accepts ${entry.name}`, async () => {
          const calls = callsOf(probe.rpc);
          const number = ++n;
          const response = await probe.send(entry.input, number);
          assert.ok(!errorCodes(response).includes('BAD_USER_INPUT'), JSON.stringify(response.errors));
          if (entry.namesNothing) assert.deepEqual(errorCodes(response), ['NOT_FOUND']);
          else if (probe.check) await probe.check(response, { n: number, expected: outcome.value });
          else assert.ok(callsOf(probe.rpc) > calls, `${probe.rpc} was not called`);
        });
      }
    });
  }
});

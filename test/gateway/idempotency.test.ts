import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorCodes, graphql } from '../support/graphql.js';
import { startStack, type TestStack } from '../support/stack.js';

const CREATE = `mutation($input: CreatePostInput!) { createPost(input: $input) { id title } }`;
const MY_TITLES = `{ me { posts(first: 50) { edges { node { title } } } } }`;

describe('idempotent createPost', () => {
  let stack: TestStack;
  let alice: string;
  let bob: string;

  before(async () => {
    stack = await startStack({ env: { PROFILE_CACHE_TTL_SECONDS: '0' } });
    alice = await stack.login('user1@example.com');
    bob = await stack.login('user2@example.com');
  });
  after(() => stack.stop());

  async function titlesOf(token: string): Promise<string[]> {
    const response = await graphql<{ me: { posts: { edges: { node: { title: string } }[] } } }>(stack.url, MY_TITLES, { token });
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    return response.data?.me.posts.edges.map((edge) => edge.node.title) ?? [];
  }

  it('a createPost retried with the same clientMutationId creates one post and answers with it both times', async () => {
    const input = { title: 'Retried once', imageUrl: 'https://img.example/retried.jpg', clientMutationId: 'c0ffee-1' };
    const first = await graphql<{ createPost: { id: string } }>(stack.url, CREATE, { variables: { input }, token: alice });
    const second = await graphql<{ createPost: { id: string } }>(stack.url, CREATE, { variables: { input }, token: alice });
    assert.equal(first.errors, undefined, JSON.stringify(first.errors));
    assert.equal(second.errors, undefined, JSON.stringify(second.errors));
    assert.equal(second.data?.createPost.id, first.data?.createPost.id);
    assert.deepEqual((await titlesOf(alice)).filter((title) => title === 'Retried once'), ['Retried once']);
  });

  it('the Idempotency-Key header makes a repeated createPost return the first post', async () => {
    const input = { title: 'Keyed by header', imageUrl: 'https://img.example/header.jpg' };
    const headers = { 'idempotency-key': 'header-key-1' };
    const first = await graphql<{ createPost: { id: string } }>(stack.url, CREATE, { variables: { input }, token: alice, headers });
    const second = await graphql<{ createPost: { id: string } }>(stack.url, CREATE, { variables: { input }, token: alice, headers });
    assert.ok(first.data?.createPost.id);
    assert.equal(second.data?.createPost.id, first.data?.createPost.id);
    assert.deepEqual((await titlesOf(alice)).filter((title) => title === 'Keyed by header'), ['Keyed by header']);
  });

  it('without a key, two identical createPost calls create two posts', async () => {
    const input = { title: 'Twice on purpose', imageUrl: 'https://img.example/twice.jpg' };
    const first = await graphql<{ createPost: { id: string } }>(stack.url, CREATE, { variables: { input }, token: alice });
    const second = await graphql<{ createPost: { id: string } }>(stack.url, CREATE, { variables: { input }, token: alice });
    assert.notEqual(second.data?.createPost.id, first.data?.createPost.id);
  });

  it('one key used by two authors creates a post for each', async () => {
    const input = { title: 'Same key, other author', imageUrl: 'https://img.example/shared.jpg', clientMutationId: 'shared-key' };
    const mine = await graphql<{ createPost: { id: string } }>(stack.url, CREATE, { variables: { input }, token: alice });
    const theirs = await graphql<{ createPost: { id: string } }>(stack.url, CREATE, { variables: { input }, token: bob });
    assert.ok(mine.data?.createPost.id);
    assert.ok(theirs.data?.createPost.id);
    assert.notEqual(theirs.data?.createPost.id, mine.data?.createPost.id);
  });

  it('a key reused for a different post is BAD_USER_INPUT naming input.clientMutationId, and creates nothing', async () => {
    const base = { imageUrl: 'https://img.example/reused.jpg', clientMutationId: 'reused-key' };
    const first = await graphql(stack.url, CREATE, { variables: { input: { ...base, title: 'First use' } }, token: alice });
    assert.equal(first.errors, undefined, JSON.stringify(first.errors));
    const second = await graphql(stack.url, CREATE, { variables: { input: { ...base, title: 'Second use' } }, token: alice });
    assert.deepEqual(errorCodes(second), ['BAD_USER_INPUT']);
    assert.equal(second.errors?.[0]?.extensions?.field, 'input.clientMutationId');
    assert.deepEqual((await titlesOf(alice)).filter((title) => title === 'Second use'), []);
  });

  it('a clientMutationId over 255 characters is BAD_USER_INPUT, and the posts service is not called', async () => {
    const before = stack.servers.posts.callCount('CreatePost');
    const input = { title: 'Too long a key', imageUrl: 'https://img.example/long.jpg', clientMutationId: 'k'.repeat(256) };
    const response = await graphql(stack.url, CREATE, { variables: { input }, token: alice });
    assert.deepEqual(errorCodes(response), ['BAD_USER_INPUT']);
    assert.equal(response.errors?.[0]?.extensions?.field, 'input.clientMutationId');
    assert.equal(stack.servers.posts.callCount('CreatePost'), before);
  });
});

const REGISTER = `mutation($input: RegisterInput!) { register(input: $input) { accessToken refreshToken user { id username } } }`;

interface Registered {
  register: { accessToken: string; refreshToken: string; user: { id: string; username: string } };
}

describe('idempotent register', () => {
  let stack: TestStack;

  before(async () => {
    // Many registers from one address: these tests are about idempotency, not the register limit.
    stack = await startStack({ env: { PROFILE_CACHE_TTL_SECONDS: '0', RATE_LIMIT_REGISTER: '1000/3600' } });
  });
  after(() => stack.stop());

  const createUserCalls = () => stack.callsByMethod()['users.CreateUser'] ?? 0;

  function account(name: string, extra: Record<string, string> = {}) {
    return { username: name, email: `${name}@example.com`, password: 'correct horse battery', displayName: name, ...extra };
  }

  it('a register retried with the same clientMutationId creates one account and answers with it both times', async () => {
    const before = createUserCalls();
    const input = account('retried_register', { clientMutationId: 'register-key-1' });
    const first = await graphql<Registered>(stack.url, REGISTER, { variables: { input } });
    const second = await graphql<Registered>(stack.url, REGISTER, { variables: { input } });
    assert.equal(first.errors, undefined, JSON.stringify(first.errors));
    assert.equal(second.errors, undefined, JSON.stringify(second.errors));
    assert.ok(first.data?.register.user.id);
    assert.equal(second.data?.register.user.id, first.data?.register.user.id);
    assert.equal(second.data?.register.user.username, 'retried_register');
    // The repeat is signed in afresh: its own refresh token, and an access token that works.
    assert.notEqual(second.data?.register.refreshToken, first.data?.register.refreshToken);
    const me = await graphql<{ me: { id: string } }>(stack.url, `{ me { id } }`, { token: second.data?.register.accessToken });
    assert.equal(me.data?.me.id, first.data?.register.user.id);
    assert.equal(createUserCalls(), before + 1);
  });

  it('the Idempotency-Key header makes a repeated register answer with the first account', async () => {
    const before = createUserCalls();
    const input = account('header_register');
    const headers = { 'idempotency-key': 'register-header-key-1' };
    const first = await graphql<Registered>(stack.url, REGISTER, { variables: { input }, headers });
    const second = await graphql<Registered>(stack.url, REGISTER, { variables: { input }, headers });
    assert.equal(first.errors, undefined, JSON.stringify(first.errors));
    assert.equal(second.errors, undefined, JSON.stringify(second.errors));
    assert.equal(second.data?.register.user.id, first.data?.register.user.id);
    assert.equal(createUserCalls(), before + 1);
  });

  it('a key reused with another e-mail is BAD_USER_INPUT naming input.clientMutationId, and creates nothing', async () => {
    const first = await graphql<Registered>(stack.url, REGISTER, {
      variables: { input: account('reused_register', { clientMutationId: 'register-reused-key' }) },
    });
    assert.equal(first.errors, undefined, JSON.stringify(first.errors));
    const before = createUserCalls();
    const second = await graphql(stack.url, REGISTER, {
      variables: { input: account('reused_register', { email: 'someone_else@example.com', clientMutationId: 'register-reused-key' }) },
    });
    assert.deepEqual(errorCodes(second), ['BAD_USER_INPUT']);
    assert.equal(second.errors?.[0]?.extensions?.field, 'input.clientMutationId');
    assert.equal(createUserCalls(), before);
  });

  it('a key repeated with a password that does not match is BAD_USER_INPUT naming the Idempotency-Key header', async () => {
    const headers = { 'idempotency-key': 'register-password-key' };
    const first = await graphql(stack.url, REGISTER, { variables: { input: account('guarded_register') }, headers });
    assert.equal(first.errors, undefined, JSON.stringify(first.errors));
    const second = await graphql(stack.url, REGISTER, {
      variables: { input: account('guarded_register', { password: 'not the same password' }) },
      headers,
    });
    assert.deepEqual(errorCodes(second), ['BAD_USER_INPUT']);
    assert.equal(second.errors?.[0]?.extensions?.field, 'Idempotency-Key');
  });

  it('concurrent registers with one key create one account and all answer with it', async () => {
    const before = createUserCalls();
    const input = account('concurrent_register', { clientMutationId: 'register-concurrent-key' });
    const answers = await Promise.all([1, 2, 3].map(() => graphql<Registered>(stack.url, REGISTER, { variables: { input } })));
    for (const answer of answers) assert.equal(answer.errors, undefined, JSON.stringify(answer.errors));
    const ids = new Set(answers.map((answer) => answer.data?.register.user.id));
    assert.equal(ids.size, 1);
    assert.ok([...ids][0]);
    assert.equal(createUserCalls(), before + 1);
  });
});

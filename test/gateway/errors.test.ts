import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorCodes, graphql } from '../support/graphql.js';
import { startStack, type TestStack } from '../support/stack.js';

describe('errors', () => {
  let stack: TestStack;
  let token: string;

  before(async () => {
    stack = await startStack();
    token = await stack.login('user1@example.com');
  });
  after(() => stack.stop());

  for (const first of [0, 101, -5]) {
    it(`feed(first: ${first}) is BAD_USER_INPUT naming "first", and no RPC is sent`, async () => {
      const before = stack.totalCalls();
      const response = await graphql(stack.url, `query($first: Int!) { feed(first: $first) { edges { cursor } } }`, {
        variables: { first },
        token,
      });
      assert.deepEqual(errorCodes(response), ['BAD_USER_INPUT']);
      assert.equal(response.errors?.[0]?.extensions?.field, 'first');
      assert.equal(stack.totalCalls(), before);
    });
  }

  it('register with a malformed e-mail is BAD_USER_INPUT naming input.email, before any RPC', async () => {
    const before = stack.totalCalls();
    const response = await graphql(
      stack.url,
      `mutation { register(input: { username: "new_person", email: "not-an-email", password: "long enough pw", displayName: "New" }) { accessToken } }`,
    );
    assert.deepEqual(errorCodes(response), ['BAD_USER_INPUT']);
    assert.equal(response.errors?.[0]?.extensions?.field, 'input.email');
    assert.equal(stack.totalCalls(), before);
  });

  it('a title over 200 characters is BAD_USER_INPUT naming input.title', async () => {
    const response = await graphql(
      stack.url,
      `mutation($title: String!) { createPost(input: { title: $title, imageUrl: "https://img.example/x.jpg" }) { id } }`,
      { variables: { title: 'x'.repeat(201) }, token },
    );
    assert.deepEqual(errorCodes(response), ['BAD_USER_INPUT']);
    assert.equal(response.errors?.[0]?.extensions?.field, 'input.title');
  });

  it('registering a taken username is CONFLICT naming input.username', async () => {
    const input = { username: 'taken_name', email: 'taken1@example.org', password: 'correct horse', displayName: 'Taken' };
    const mutation = `mutation($input: RegisterInput!) { register(input: $input) { user { id } } }`;
    const first = await graphql(stack.url, mutation, { variables: { input } });
    assert.equal(first.errors, undefined, JSON.stringify(first.errors));
    const second = await graphql(stack.url, mutation, { variables: { input: { ...input, email: 'taken2@example.org' } } });
    assert.deepEqual(errorCodes(second), ['CONFLICT']);
    assert.equal(second.errors?.[0]?.extensions?.field, 'input.username');
  });

  it('a profile of an unknown user is NOT_FOUND', async () => {
    const response = await graphql(stack.url, `{ profile(userId: "usr_999999") { user { id } } }`);
    assert.deepEqual(errorCodes(response), ['NOT_FOUND']);
  });

  it('an unknown user or post is null, not an error', async () => {
    const response = await graphql(stack.url, `{ user(id: "usr_999999") { id } post(id: "pst_999999") { id } users(ids: ["usr_1", "nope"]) { id } }`);
    assert.equal(response.errors, undefined);
    assert.deepEqual(response.data, { user: null, post: null, users: [{ id: 'usr_1' }, null] });
  });

  it('the feed without a viewer is UNAUTHENTICATED', async () => {
    const response = await graphql(stack.url, `{ feed { edges { cursor } } }`);
    assert.deepEqual(errorCodes(response), ['UNAUTHENTICATED']);
  });

  it('a token that does not verify fails the request with UNAUTHENTICATED and HTTP 401', async () => {
    const response = await graphql(stack.url, `{ user(id: "usr_1") { id } }`, { token: `${token.slice(0, -4)}AAAA` });
    assert.equal(response.status, 401);
    assert.deepEqual(errorCodes(response), ['UNAUTHENTICATED']);
  });

  it("another user's e-mail is FORBIDDEN while the rest of the user arrives", async () => {
    const response = await graphql<{ user: { username: string; email: string | null } }>(
      stack.url,
      `{ user(id: "usr_2") { username email } }`,
      { token },
    );
    assert.deepEqual(errorCodes(response), ['FORBIDDEN']);
    assert.equal(response.data?.user.email, null);
    assert.ok(response.data?.user.username);
  });

  it('deleting another user\'s post is FORBIDDEN and the post is still there', async () => {
    const other = await stack.login('user2@example.com');
    const created = await graphql<{ createPost: { id: string } }>(
      stack.url,
      `mutation { createPost(input: { title: "Mine", imageUrl: "https://img.example/mine.jpg" }) { id } }`,
      { token: other },
    );
    const id = created.data?.createPost.id;
    assert.ok(id);
    const response = await graphql(stack.url, `mutation($id: ID!) { deletePost(id: $id) }`, { variables: { id }, token });
    assert.deepEqual(errorCodes(response), ['FORBIDDEN']);
    const still = await graphql<{ post: { id: string } | null }>(stack.url, `query($id: ID!) { post(id: $id) { id } }`, {
      variables: { id },
    });
    assert.equal(still.data?.post?.id, id);
  });

  it('a malformed cursor is BAD_USER_INPUT naming "after"', async () => {
    const response = await graphql(stack.url, `{ feed(first: 5, after: "@@not-a-cursor@@") { edges { cursor } } }`, { token });
    assert.deepEqual(errorCodes(response), ['BAD_USER_INPUT']);
    assert.equal(response.errors?.[0]?.extensions?.field, 'after');
  });

  it('a wrong password and an unknown e-mail fail login the same way', async () => {
    const login = `mutation($email: String!) { login(input: { email: $email, password: "wrong password" }) { accessToken } }`;
    const wrongPassword = await graphql(stack.url, login, { variables: { email: 'user1@example.com' } });
    const unknownEmail = await graphql(stack.url, login, { variables: { email: 'nobody@example.com' } });
    assert.deepEqual(errorCodes(wrongPassword), ['UNAUTHENTICATED']);
    assert.deepEqual(errorCodes(unknownEmail), ['UNAUTHENTICATED']);
    assert.equal(wrongPassword.errors?.[0]?.message, unknownEmail.errors?.[0]?.message);
  });

  it('a body that is not JSON is a 400 with a GraphQL-shaped error', async () => {
    const response = await fetch(stack.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{nope' });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { errors: { extensions: { code: string } }[] };
    assert.equal(body.errors[0]?.extensions.code, 'BAD_REQUEST');
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Gateway } from '../../src/gateway.js';
import { graphql } from '../support/graphql.js';
import { startStack, type TestStack } from '../support/stack.js';

/**
 * Compiled execution (graphql-jit, the default) against graphql-js's
 * interpreter, on two gateways over the same services: every document below
 * must get the same answer, data, nulls, errors and their paths alike.
 */

// Reads only: both gateways see the same data, so their answers can be compared whole.
const DOCUMENTS: { name: string; query: string; variables?: Record<string, unknown>; signedIn?: boolean }[] = [
  {
    name: 'the feed with authors, counts and likes',
    query: '{ feed(first: 20) { edges { cursor node { id title likesCount likedByViewer createdAt author { id username followersCount isFollowedByViewer } } } pageInfo { hasNextPage endCursor } } }',
    signedIn: true,
  },
  {
    name: 'a profile with its recommendations and recent posts',
    query: 'query P($id: ID!) { profile(userId: $id) { user { id displayName bio } followersCount followingCount recentPosts { id likesCount } recommendations { id username } } }',
    variables: { id: 'usr_3' },
  },
  {
    name: 'fragments, inline fragments, aliases and __typename',
    query: 'fragment U on User { id username __typename } query { a: user(id: "usr_1") { ...U posts(first: 2) { edges { node { ... on Post { id title } } } } } b: user(id: "usr_2") { ...U } __typename }',
  },
  {
    name: '@skip and @include from variables, defaults left out',
    query: 'query($skip: Boolean! = true, $with: Boolean = false) { user(id: "usr_1") { id bio @skip(if: $skip) email @include(if: $with) followersCount @include(if: true) } }',
  },
  {
    name: 'an unknown id nulls its field and the rest arrives',
    query: '{ user(id: "usr_999999") { id } post(id: "pst_1") { id author { username } } }',
  },
  {
    name: 'a field the viewer may not read is FORBIDDEN with partial data',
    query: '{ user(id: "usr_2") { id username email } }',
    signedIn: true,
  },
  {
    name: 'a bad argument is BAD_USER_INPUT on its field',
    query: '{ users(ids: ["usr_1", ""]) { id } user(id: "usr_1") { id } }',
  },
  {
    name: 'a root field that needs a viewer, asked anonymously, fails alone',
    query: '{ feed(first: 1) { edges { node { id } } } post(id: "pst_1") { id } }',
  },
  {
    name: 'variables that do not coerce are refused before anything runs',
    query: 'query($first: Int!) { user(id: "usr_1") { posts(first: $first) { edges { node { id } } } } }',
    variables: { first: 'many' },
  },
  {
    name: 'two operations, the one named runs',
    query: 'query A { user(id: "usr_1") { id } } query B { user(id: "usr_2") { username } }',
    variables: {},
  },
  {
    name: 'introspection',
    query: '{ __type(name: "Post") { name fields { name type { name kind ofType { name } } } } }',
  },
];

/** The answer without what differs between any two runs: timings of calls and cost budgets. */
function comparable(body: unknown): unknown {
  const { extensions: _extensions, ...rest } = body as Record<string, unknown>;
  return rest;
}

describe('compiled execution answers exactly as graphql-js does', () => {
  let stack: TestStack;
  let interpreted: Gateway;
  let token: string;

  before(async () => {
    stack = await startStack();
    interpreted = await stack.startGateway({ EXECUTION: 'interpreted' });
    token = await stack.login('user1@example.com');
  });
  after(() => stack?.stop());

  for (const { name, query, variables, signedIn } of DOCUMENTS) {
    it(name, async () => {
      const operationName = query.startsWith('query A') ? 'B' : undefined;
      const send = async (url: string) => {
        const response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(signedIn ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify({ query, variables, operationName }),
        });
        return { status: response.status, body: comparable(await response.json()) };
      };
      const compiledAnswer = await send(stack.url);
      const interpretedAnswer = await send(interpreted.url);
      assert.deepEqual(compiledAnswer, interpretedAnswer);
      // The compiled answer is a real one, not two equal failures.
      assert.ok(compiledAnswer.status === 200 || compiledAnswer.status === 400, `status ${compiledAnswer.status}`);
    });
  }

  it('a document answers the same the second time, from the compiled query kept for it', async () => {
    const query = DOCUMENTS[0]!.query;
    const first = await graphql(stack.url, query, { token });
    const second = await graphql(stack.url, query, { token });
    assert.equal(first.errors, undefined);
    assert.deepEqual(comparable(first), comparable(second));
  });
});

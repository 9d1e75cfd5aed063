import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { graphql } from '../support/graphql.js';
import { startStack, type TestStack } from '../support/stack.js';

const FEED = `query Feed($first: Int!) {
  feed(first: $first) { edges { node { likesCount author { followersCount } } } }
}`;

describe('batching', () => {
  let stack: TestStack;
  let token: string;

  before(async () => {
    stack = await startStack();
    token = await stack.login('user1@example.com');
  });
  after(() => stack.stop());

  /** Runs `query` and returns the RPCs each service received for it, by method. */
  async function rpcsFor(query: string, variables: Record<string, unknown>) {
    const before = stack.callsByMethod();
    const response = await graphql<{ feed?: { edges: unknown[] } }>(stack.url, query, { variables, token });
    assert.equal(response.errors, undefined, JSON.stringify(response.errors));
    const after = stack.callsByMethod();
    const delta: Record<string, number> = {};
    for (const [method, count] of Object.entries(after)) {
      const sent = count - (before[method] ?? 0);
      if (sent > 0) delta[method] = sent;
    }
    return { delta, edges: response.data?.feed?.edges.length ?? 0 };
  }

  it('a feed of 50 posts costs the same RPCs as a feed of 5: one per service per level', async () => {
    const small = await rpcsFor(FEED, { first: 5 });
    const large = await rpcsFor(FEED, { first: 50 });

    assert.equal(small.edges, 5);
    assert.equal(large.edges, 50);
    assert.deepEqual(large.delta, small.delta);
    // Level 0: the viewer's following list and the feed page; level 1: likes and authors;
    // level 2: the authors' follower counts.
    assert.deepEqual(large.delta, {
      'relations.BatchListFollowing': 1,
      'posts.ListFeed': 1,
      'posts.BatchGetLikeStats': 1,
      'users.BatchGetUsers': 1,
      'relations.BatchGetFollowStats': 1,
    });
  });

  it('the same user asked for twice in one query is fetched once', async () => {
    const { delta } = await rpcsFor(
      `query { a: user(id: "usr_2") { id followersCount } b: user(id: "usr_2") { username followingCount } c: users(ids: ["usr_2", "usr_3"]) { id } }`,
      {},
    );
    assert.deepEqual(delta, { 'users.BatchGetUsers': 1, 'relations.BatchGetFollowStats': 1 });
  });

  it("lists of users under a list of users cost one page RPC per level, not one per user", async () => {
    const { delta } = await rpcsFor(
      `query { users(ids: ["usr_1", "usr_2", "usr_3", "usr_4"]) { following(first: 3) { edges { node { posts(first: 2) { edges { node { likesCount } } } } } } } }`,
      {},
    );
    assert.deepEqual(delta, {
      'users.BatchGetUsers': 2,
      'relations.BatchListFollowing': 1,
      'posts.BatchListPostsByAuthor': 1,
      'posts.BatchGetLikeStats': 1,
    });
  });
});

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { errorCodes, graphql } from '../support/graphql.js';
import { startStack, type TestStack } from '../support/stack.js';

describe('one failing service', () => {
  let stack: TestStack;

  before(async () => {
    stack = await startStack();
  });
  after(() => stack.stop());

  it('with recommendations down, a profile still answers, with an empty list and an error entry', async () => {
    await stack.stopService('recommendations');
    const response = await graphql<{
      profile: { user: { id: string }; followersCount: number; recentPosts: unknown[]; recommendations: unknown[] };
    }>(stack.url, `{ profile(userId: "usr_3") { user { id } followersCount recentPosts { id } recommendations { id } } }`);

    assert.equal(response.data?.profile.user.id, 'usr_3');
    assert.ok((response.data?.profile.recentPosts.length ?? 0) > 0);
    assert.equal(typeof response.data?.profile.followersCount, 'number');
    assert.deepEqual(response.data?.profile.recommendations, []);
    assert.deepEqual(errorCodes(response), ['SERVICE_UNAVAILABLE']);
    assert.deepEqual(response.errors?.[0]?.path, ['profile', 'recommendations']);
    assert.equal(response.errors?.[0]?.extensions?.service, 'recommendations');
  });

  it('with relations down, users arrive with only their counts nulled', async () => {
    await stack.stopService('relations');
    const response = await graphql<{ user: { username: string; followersCount: number | null }; post: { title: string } }>(
      stack.url,
      `{ user(id: "usr_4") { username followersCount } post(id: "pst_1") { title } }`,
    );
    assert.ok(response.data?.user.username);
    assert.equal(response.data?.user.followersCount, null);
    assert.ok(response.data?.post.title);
    assert.deepEqual(errorCodes(response), ['SERVICE_UNAVAILABLE']);
    assert.deepEqual(response.errors?.[0]?.path, ['user', 'followersCount']);
    assert.equal(response.errors?.[0]?.extensions?.service, 'relations');
  });
});

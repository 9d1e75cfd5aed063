import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { seedConfigFromEnv } from '../../services/common/seed/config.js';
import { graphql, type GraphQLResponse } from '../support/graphql.js';
import { startStack, type TestStack } from '../support/stack.js';
import { accepts, freePort, startTraced, waitUntil, type TracedProcess } from '../telemetry/processes.js';

// The posts process seeds from these, and the in-process services from the same
// config, so every service agrees on the same users and posts.
const SEED_ENV = { SEED_USERS: '30', SEED_POSTS: '300' };
const SEED = seedConfigFromEnv(SEED_ENV);

const PROFILE = `query($id: ID!) { profile(userId: $id) { user { id } followersCount followingCount recentPosts { id } } }`;

interface ProfileData {
  profile: { user: { id: string }; followersCount: number | null; followingCount: number | null; recentPosts: { id: string }[] | null };
}

/** One answer of the stream, with when it was asked and answered (ms since the epoch). */
interface Answer {
  readonly sentAt: number;
  readonly receivedAt: number;
  readonly response: GraphQLResponse<ProfileData>;
}

function isComplete({ response }: Answer): boolean {
  return response.errors === undefined && Array.isArray(response.data?.profile.recentPosts);
}

describe('the posts service as a real process, killed and restarted', () => {
  let stack: TestStack | undefined;
  let posts: TracedProcess | undefined;
  let postsPort: number;

  /** Starts the posts service from source on `postsPort`, as `npm start` runs it, and waits until it listens. */
  async function startPosts(): Promise<TracedProcess> {
    const child = startTraced('services/posts/main.ts', 'services/common/instrumentation.ts', {
      ...SEED_ENV,
      LISTEN_ADDR: `127.0.0.1:${postsPort}`,
      NOTIFICATIONS_SERVICE_ADDR: stack!.servers.notifications.address,
      LOG_LEVEL: 'warn',
    });
    posts = child;
    await waitUntil('the posts service to listen', async () => {
      if (child.child.exitCode !== null) throw new Error(`posts exited: ${child.lines.join('\n')}`);
      return accepts(postsPort);
    });
    return child;
  }

  before(async () => {
    postsPort = await freePort();
    // Default breaker, retry and channel settings: the recovery measured is the one production gets.
    // No profile cache, so every answer reaches the posts service and an outage cannot hide.
    stack = await startStack({ seed: SEED, env: { PROFILE_CACHE_TTL_SECONDS: '0' }, external: { posts: `127.0.0.1:${postsPort}` } });
    await startPosts();
  });

  after(async () => {
    // Runs whatever failed above: no process or socket outlives the test.
    await posts?.stop();
    await stack?.stop();
  });

  it('posts killed and restarted under a steady stream of requests: errors only during the outage, and answers are complete again within a few seconds of the restart, with no gateway restart', async (t) => {
    const url = stack!.url;
    const answers: Answer[] = [];
    let streaming = true;
    // One request at a time, each a different user, for at most 60 s whatever happens below.
    const stream = (async () => {
      const until = Date.now() + 60_000;
      for (let n = 0; streaming && Date.now() < until; n++) {
        const sentAt = Date.now();
        const response = await graphql<ProfileData>(url, PROFILE, { variables: { id: `usr_${1 + (n % SEED.users)}` } });
        answers.push({ sentAt, receivedAt: Date.now(), response });
        // A steady pace, not a wait for anything: about 40 requests a second.
        await delay(25);
      }
    })();
    const answersAfter = (instant: number) => answers.filter((answer) => answer.sentAt >= instant);

    let killedAt = 0;
    let restartedAt = 0;
    let recoveredAt = 0;
    try {
      await waitUntil('complete answers before the outage', () => answers.filter(isComplete).length >= 10, 15_000);

      killedAt = Date.now();
      posts!.child.kill('SIGKILL');
      await posts!.exited;
      await waitUntil('answers during the outage', () => answersAfter(killedAt).length >= 10, 15_000);

      await startPosts();
      restartedAt = Date.now();
      // A bound on waiting, not a latency requirement: the breaker's half-open pause and the channel's reconnect backoff (each up to 5 s) come first.
      const first = await waitUntil('a complete answer after the restart', () => answersAfter(restartedAt).find(isComplete), 15_000);
      recoveredAt = first.sentAt;
      await waitUntil('answers after the recovery', () => answersAfter(recoveredAt).length >= 30, 15_000);
    } finally {
      streaming = false;
      await stream;
    }
    t.diagnostic(`posts down ${restartedAt - killedAt} ms; complete answers again ${recoveredAt - restartedAt} ms after the restart`);

    for (const answer of answers) {
      const { response } = answer;
      const context = JSON.stringify(response);
      assert.equal(response.status, 200, context);
      // Every answer carries the fields the other services answer.
      assert.ok(response.data?.profile.user.id, context);
      assert.equal(typeof response.data.profile.followersCount, 'number', context);
      assert.equal(typeof response.data.profile.followingCount, 'number', context);
      if (isComplete(answer)) continue;
      // An incomplete answer lacks only the posts, and says so.
      assert.equal(response.data.profile.recentPosts, null, context);
      assert.equal(response.errors?.length, 1, context);
      assert.equal(response.errors?.[0]?.extensions?.code, 'SERVICE_UNAVAILABLE', context);
      assert.equal(response.errors?.[0]?.extensions?.service, 'posts', context);
      assert.deepEqual(response.errors?.[0]?.path, ['profile', 'recentPosts'], context);
      // Errors only during the outage: not answered before the kill, nor asked after the recovery.
      assert.ok(answer.receivedAt >= killedAt, `an error before the outage: ${context}`);
      assert.ok(answer.sentAt < recoveredAt, `an error after the recovery: ${context}`);
    }
    assert.ok(answers.some((answer) => !isComplete(answer)), 'the outage was seen');
    assert.ok(answersAfter(recoveredAt).every(isComplete), 'answers stay complete after the recovery');
  });
});

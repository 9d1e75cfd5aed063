import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { measureRounds, roundsReport, splitIntoRounds, type TimedAnswer, type TimedCall } from '../../bench/rounds.js';

/** `actual` equals `expected` but for rounding. */
function assertNear(actual: number | null, expected: number): void {
  assert.ok(actual !== null && Math.abs(actual - expected) < 1e-9, `${actual} is not ${expected}`);
}

/** The feed's calls as the gateway lists them, every round `scale` times as long. */
function feedCalls(scale: number): TimedCall[] {
  return [
    { method: 'BatchListFollowing', at: 0.5, ms: 8 * scale },
    { method: 'ListFeed', at: 0.6 + 8 * scale, ms: 10 * scale },
    { method: 'BatchGetLikeStats', at: 0.7 + 18 * scale, ms: 6 * scale },
    { method: 'BatchGetUsers', at: 0.8 + 18 * scale, ms: 9 * scale },
    { method: 'BatchGetFollowStats', at: 0.9 + 27 * scale, ms: 5 * scale },
  ];
}

describe('bench --rounds', () => {
  it('a call that starts before the round in flight has ended joins it; one that starts after opens the next', () => {
    const rounds = splitIntoRounds(feedCalls(1));
    assert.deepEqual(
      rounds.map((round) => round.methods),
      ['BatchListFollowing', 'ListFeed', 'BatchGetLikeStats + BatchGetUsers', 'BatchGetFollowStats'],
    );
    // The third round lasts until its slower call ends.
    assertNear(rounds[2]!.endMs, 0.8 + 18 + 9);
    // Had follow stats started while the users were still being fetched, they would have been one round.
    const overlapping = splitIntoRounds([...feedCalls(1).slice(0, 4), { method: 'BatchGetFollowStats', at: 20, ms: 5 }]);
    assert.deepEqual(overlapping.at(-1)!.methods, 'BatchGetLikeStats + BatchGetUsers + BatchGetFollowStats');
  });

  it('sets the parts of the median answer beside those of the answers over twice the median, and finds slow answers that completed together', () => {
    const answer = (latencyMs: number, scale: number, completedAtMs: number): TimedAnswer => ({ latencyMs, completedAtMs, calls: feedCalls(scale) });
    const answers = [
      ...Array.from({ length: 17 }, (_, i) => answer(40, 1, i * 100)),
      // Three slow ones: three times as long in every round, and 20 ms outside them instead of 7.6.
      answer(96.4 + 20, 3, 5_000),
      answer(96.4 + 20, 3, 5_030),
      answer(96.4 + 20, 3, 9_000),
      // An answer that listed no calls (a cache hit, say) is left out.
      { latencyMs: 5, completedAtMs: 1, calls: [] },
    ];
    const report = roundsReport(answers)!;
    assert.equal(report.answers, 20);
    assert.equal(report.p50Ms, 40);
    assert.equal(report.slowAnswers, 3);
    assert.equal(report.largestSlowCohort, 2);
    assert.deepEqual(report.shape, ['BatchListFollowing', 'ListFeed', 'BatchGetLikeStats + BatchGetUsers', 'BatchGetFollowStats']);
    const part = (name: string) => report.parts.find((entry) => entry.part.startsWith(name))!;
    assertNear(part('outside').medianAnswerMs, 7.6);
    assertNear(part('outside').slowAnswersMs, 20);
    assertNear(part('round 2').medianAnswerMs, 10);
    assertNear(part('round 2').slowAnswersMs, 30);
    // From the likes' start to the users' end.
    assertNear(part('round 3').slowAnswersMs, 0.8 + 54 + 27 - (0.7 + 54));
    assertNear(part('  the gateway, before round 2').slowAnswersMs, 0.1);
    assert.equal(roundsReport([{ latencyMs: 5, completedAtMs: 1, calls: [] }]), null);
  });

  it('measures each answer over kept-alive connections to a real HTTP server, warm-up aside, keeping only the RPCs it lists', async () => {
    let requests = 0;
    const sockets = new Set<unknown>();
    const server = createServer((req, res) => {
      sockets.add(req.socket);
      requests += 1;
      req.resume();
      req.on('end', () => {
        const calls = [{ cache: 'profile', key: 'usr_1', at: 0.1, result: 'hit' }, ...feedCalls(1)];
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ data: { feed: null }, extensions: { calls } }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    try {
      const answers = await measureRounds({
        url: `http://127.0.0.1:${port}/graphql`,
        body: '{"query":"{ feed { edges { node { id } } } }"}',
        headers: { 'content-type': 'application/json' },
        connections: 2,
        warmupSeconds: 0.2,
        durationSeconds: 0.3,
      });
      assert.ok(answers.length > 10, `${answers.length} answers`);
      // The warm-up's answers were sent and not kept.
      assert.ok(requests > answers.length, `${requests} requests, ${answers.length} kept`);
      assert.equal(sockets.size, 2);
      for (const answer of answers) {
        assert.ok(answer.latencyMs > 0 && answer.completedAtMs >= 0);
        assert.deepEqual(answer.calls, feedCalls(1));
      }
    } finally {
      server.close();
    }
  });
});

/**
 * `npm run bench -- --rounds`: where the time of slow answers goes. A steady
 * load of one query against a gateway that lists each answer's calls
 * (`extensions.calls`, on outside production), each answer split into its
 * rounds of RPCs (calls that start once every earlier call has ended begin a
 * new round), the gateway's own work between them, and what lies outside
 * them (the request before its first call, the answer after its last, the
 * connection). A round runs from its first call's start to its last call's end
 * as the gateway saw them: the service's work, the network, and the gateway's
 * own wait to take the reply are all in it. The median answer is set beside the answers that took more
 * than twice as long: a part that alone slows them shows there, and a slowdown
 * of every part at once points at the machine instead.
 */
import { Agent, request } from 'node:http';
import { percentile } from './measure.js';
import { fixed, table } from './table.js';

/** One call of an answer, as `extensions.calls` lists it: when it started and how long it took, in ms from the request's context. */
export interface TimedCall {
  method: string;
  at: number;
  ms: number;
}

/** One answer: its latency as the client saw it, when it completed (ms since the run began), and its calls. */
export interface TimedAnswer {
  latencyMs: number;
  completedAtMs: number;
  calls: readonly TimedCall[];
}

/** Calls that ran together: every one started before the calls of the round before it had all ended. */
export interface Round {
  /** Its methods, in the order they started, `BatchGetLikeStats + BatchGetUsers`. */
  methods: string;
  startMs: number;
  endMs: number;
}

/** The calls of one answer, in rounds: a call that starts once every earlier call has ended opens the next round. */
export function splitIntoRounds(calls: readonly TimedCall[]): Round[] {
  const rounds: { methods: string[]; startMs: number; endMs: number }[] = [];
  for (const call of [...calls].sort((a, b) => a.at - b.at)) {
    const current = rounds.at(-1);
    const end = call.at + call.ms;
    if (current && call.at < current.endMs) {
      current.methods.push(call.method);
      current.endMs = Math.max(current.endMs, end);
    } else {
      rounds.push({ methods: [call.method], startMs: call.at, endMs: end });
    }
  }
  return rounds.map((round) => ({ ...round, methods: round.methods.join(' + ') }));
}

/** One part of an answer's time and its median in each group, in ms. */
export interface RoundsPart {
  part: string;
  medianAnswerMs: number;
  slowAnswersMs: number | null;
}

export interface RoundsReport {
  answers: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers that took more than twice the median. */
  slowAnswers: number;
  /** The rounds every answer split into the same way (`ListFeed`, then …); answers split otherwise are left out of `parts`. */
  shape: string[];
  /** Answers of that shape. */
  ofShape: number;
  parts: RoundsPart[];
  /**
   * The most slow answers that completed within `COHORT_WINDOW_MS` of one
   * another: near the connection count, they were held up together.
   */
  largestSlowCohort: number;
}

/** Slow answers completing this close together count as one cohort. */
export const COHORT_WINDOW_MS = 50;

/**
 * Splits each answer into its parts (see the module comment) and compares the
 * median answer's parts with those of the answers over twice the median. Null
 * when there is no answer, or none listed its calls.
 */
export function roundsReport(answers: readonly TimedAnswer[]): RoundsReport | null {
  const listed = answers.filter((answer) => answer.calls.length > 0);
  if (listed.length === 0) return null;
  const latencies = listed.map((answer) => answer.latencyMs);
  const p50 = percentile(latencies, 50)!;
  const split = listed.map((answer) => ({ answer, rounds: splitIntoRounds(answer.calls) }));
  // Answers of one query mostly split the same way; the commonest shape is the one compared.
  const shapes = new Map<string, number>();
  for (const { rounds } of split) {
    const shape = rounds.map((round) => round.methods).join(' | ');
    shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
  }
  const [shape] = [...shapes].sort(([, a], [, b]) => b - a)[0]!;
  const ofShape = split.filter(({ rounds }) => rounds.map((round) => round.methods).join(' | ') === shape);
  const partsOf = ({ answer, rounds }: (typeof split)[number]): number[] => {
    const values: number[] = [answer.latencyMs - (rounds.at(-1)!.endMs - rounds[0]!.startMs)];
    rounds.forEach((round, i) => {
      if (i > 0) values.push(round.startMs - rounds[i - 1]!.endMs);
      values.push(round.endMs - round.startMs);
    });
    return values;
  };
  const names = ['outside the rounds (before, after, connection)'];
  shape.split(' | ').forEach((methods, i) => {
    if (i > 0) names.push(`  the gateway, before round ${i + 1}`);
    names.push(`round ${i + 1}: ${methods}`);
  });
  const median = ofShape.filter(({ answer }) => answer.latencyMs <= p50).map(partsOf);
  const slow = ofShape.filter(({ answer }) => answer.latencyMs > 2 * p50).map(partsOf);
  const parts = names.map((part, i) => ({
    part,
    medianAnswerMs: percentile(median.map((values) => values[i]!), 50)!,
    slowAnswersMs: percentile(slow.map((values) => values[i]!), 50),
  }));
  const slowTimes = listed
    .filter((answer) => answer.latencyMs > 2 * p50)
    .map((answer) => answer.completedAtMs)
    .sort((a, b) => a - b);
  let largestSlowCohort = 0;
  for (let first = 0, last = 0; last < slowTimes.length; last++) {
    while (slowTimes[last]! - slowTimes[first]! > COHORT_WINDOW_MS) first++;
    largestSlowCohort = Math.max(largestSlowCohort, last - first + 1);
  }
  return {
    answers: listed.length,
    p50Ms: p50,
    p99Ms: percentile(latencies, 99)!,
    slowAnswers: slowTimes.length,
    shape: shape.split(' | '),
    ofShape: ofShape.length,
    parts,
    largestSlowCohort,
  };
}

export interface RoundsLoad {
  /** The gateway's `/graphql`; it must list calls (`extensions.calls`), as it does outside production. */
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  warmupSeconds: number;
  durationSeconds: number;
}

/**
 * Sends `load.body` over `load.connections` kept-alive connections and keeps
 * each answer's latency and calls, warm-up aside. A loop of its own rather
 * than `load` (autocannon): autocannon hands a response's body and its
 * latency to separate callbacks, and this needs the two paired.
 */
export async function measureRounds(load: RoundsLoad): Promise<TimedAnswer[]> {
  const agent = new Agent({ keepAlive: true, maxSockets: load.connections });
  const target = new URL(load.url);
  const headers = { ...load.headers, 'content-length': String(Buffer.byteLength(load.body)) };
  const began = performance.now();
  const measureFrom = began + load.warmupSeconds * 1000;
  const stopAt = measureFrom + load.durationSeconds * 1000;
  const answers: TimedAnswer[] = [];
  const send = () =>
    new Promise<void>((resolve, reject) => {
      const sentAt = performance.now();
      const outgoing = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', agent, headers }, (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => {
          const doneAt = performance.now();
          if (sentAt >= measureFrom && response.statusCode === 200) {
            const calls = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { extensions?: { calls?: TimedCall[] } }).extensions?.calls ?? [];
            answers.push({ latencyMs: doneAt - sentAt, completedAtMs: doneAt - measureFrom, calls: calls.filter((call) => 'method' in call) });
          }
          resolve();
        });
      });
      outgoing.on('error', reject);
      outgoing.end(load.body);
    });
  const connection = async () => {
    while (performance.now() < stopAt) await send();
  };
  try {
    await Promise.all(Array.from({ length: load.connections }, connection));
  } finally {
    agent.destroy();
  }
  return answers;
}

/** The report as the bench prints it. */
export function roundsTable(scenario: string, connections: number, durationSeconds: number, report: RoundsReport | null): string {
  if (!report) return `${scenario}: no answer listed its calls (extensions.calls is off in production).`;
  return [
    `where the time of ${scenario}'s answers goes: ${connections} connections, ${durationSeconds} s, ${report.answers} answers, ` +
      `p50 ${fixed(report.p50Ms, 1)} ms, p99 ${fixed(report.p99Ms, 1)} ms (${fixed(report.p99Ms / report.p50Ms, 2)}x)`,
    `  each answer split by its extensions.calls; ${report.ofShape} of them in these ${report.shape.length} rounds; ms, median of each group`,
    table(
      ['part', 'answers ≤ p50', `answers > 2x p50 (${report.slowAnswers})`],
      report.parts.map((part) => [part.part, fixed(part.medianAnswerMs, 1), fixed(part.slowAnswersMs, 1)]),
    ),
    `  the most answers over 2x p50 completing within ${COHORT_WINDOW_MS} ms of one another: ${report.largestSlowCohort} (of ${connections} connections)`,
  ].join('\n');
}

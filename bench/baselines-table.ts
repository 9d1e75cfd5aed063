/**
 * The feed against its baselines: the gateway (`feed-50`, as `npm start` runs
 * it, and `feed-50-prod`, production-like) beside a bare Apollo Server
 * (`feed-50-bare`) and a no-GraphQL floor (`feed-50-floor`), all measured in
 * one run in alternating slices. The ratios are read against the goals set
 * for the gateway.
 */
import type { BaselineRatio, BaselineReport, RoundComparison, ScenarioResult, Settings } from './report.js';
import { compareRounds } from './report.js';
import { fixed, table } from './table.js';

/** The scenarios of the group, by role. */
export const BASELINE_GROUP = {
  gateway: 'feed-50',
  prod: 'feed-50-prod',
  bare: 'feed-50-bare',
  floor: 'feed-50-floor',
} as const;

/** What each target is, as the table names it. */
const DESCRIPTIONS: Record<string, string> = {
  main: 'gateway, npm start settings',
  prod: 'gateway, Redis + 10% traces',
  'dc-off': 'gateway, DEMAND_CONTROL=off',
  bare: 'Apollo Server + DataLoader',
  floor: 'node:http, no GraphQL',
};

/** The goals the gateway is held to against its baselines (see README, Benchmarks). */
const GOALS: readonly { measure: BaselineRatio['measure']; numerator: string; denominator: string; goal: NonNullable<BaselineRatio['goal']> }[] = [
  { measure: 'req/s', numerator: BASELINE_GROUP.gateway, denominator: BASELINE_GROUP.bare, goal: { at: 'least', value: 1.3 } },
  { measure: 'req/s', numerator: BASELINE_GROUP.prod, denominator: BASELINE_GROUP.bare, goal: { at: 'least', value: 1 } },
  { measure: 'CPU ms/req', numerator: BASELINE_GROUP.gateway, denominator: BASELINE_GROUP.floor, goal: { at: 'most', value: 3 } },
];

/** The most p99 may be over p50 at the bench's connections, for a gateway target. */
const TAIL_GOAL = 2;

/** Whether `comparison` meets `goal`: decided only when the whole 95% interval is on one side. */
function verdict(comparison: RoundComparison, goal: BaselineRatio['goal']): BaselineRatio['verdict'] {
  if (!goal) return null;
  const { interval } = comparison;
  if (!interval) return 'not decided';
  const [low, high] = [interval.low, interval.high];
  if (goal.at === 'least') return low >= goal.value ? 'met' : high < goal.value ? 'not met' : 'not decided';
  return high <= goal.value ? 'met' : low > goal.value ? 'not met' : 'not decided';
}

/**
 * The ratios of the group's results, gateway targets over baselines, for
 * throughput and for CPU time per request; null when no gateway target ran
 * beside a baseline.
 */
export function baselineReport(results: readonly ScenarioResult[], rpcsOfOneRequest: ReadonlyMap<string, Record<string, number>>): BaselineReport | null {
  const find = (name: string) => results.find((result) => result.scenario === name);
  const ratios: BaselineRatio[] = [];
  for (const numerator of [BASELINE_GROUP.gateway, BASELINE_GROUP.prod]) {
    for (const denominator of [BASELINE_GROUP.bare, BASELINE_GROUP.floor]) {
      const a = find(numerator);
      const b = find(denominator);
      if (!a || !b) continue;
      for (const measure of ['req/s', 'CPU ms/req'] as const) {
        const comparison =
          measure === 'req/s'
            ? compareRounds(a.requestsPerSecond, b.requestsPerSecond, a.sliceRequestsPerSecond, b.sliceRequestsPerSecond)
            : compareRounds(a.cpuMsPerRequest, b.cpuMsPerRequest, a.sliceCpuMsPerRequest, b.sliceCpuMsPerRequest);
        const goal = GOALS.find((g) => g.measure === measure && g.numerator === numerator && g.denominator === denominator)?.goal ?? null;
        ratios.push({
          measure,
          numerator,
          denominator,
          summed: comparison.summed,
          mean: comparison.interval?.mean ?? null,
          low: comparison.interval?.low ?? null,
          high: comparison.interval?.high ?? null,
          rounds: comparison.rounds,
          goal,
          verdict: verdict(comparison, goal),
        });
      }
    }
  }
  if (ratios.length === 0) return null;
  return { ratios, rpcsOfOneRequest: Object.fromEntries(Object.values(BASELINE_GROUP).flatMap((name) => (rpcsOfOneRequest.has(name) ? [[name, rpcsOfOneRequest.get(name)!]] : []))) };
}

/** The group's targets side by side, then its ratios with their intervals and verdicts. */
export function baselineTables(report: BaselineReport, results: readonly ScenarioResult[], settings: Settings): string {
  const slices = settings.slices ?? 1;
  const group = Object.values(BASELINE_GROUP).flatMap((name) => results.find((result) => result.scenario === name) ?? []);
  const targets = group.map((r) => {
    const tail = r.p50Ms && r.p99Ms ? r.p99Ms / r.p50Ms : null;
    const isGateway = r.target !== 'bare' && r.target !== 'floor';
    return [
      r.scenario,
      DESCRIPTIONS[r.target ?? ''] ?? r.target ?? '',
      fixed(r.requestsPerSecond, 0),
      `${fixed(r.p50Ms, 1)} / ${fixed(r.p99Ms, 1)}`,
      tail === null ? 'n/a' : `${tail.toFixed(2)}${isGateway && tail > TAIL_GOAL ? ' (over 2)' : ''}`,
      fixed(r.cpuMsPerRequest ?? null, 2),
      r.gcMsPerRequest == null ? 'n/a' : `${fixed(r.gcMsPerRequest, 2)} / ${fixed(r.gcPausesOver10MsPerSecond ?? null, 1)}`,
      fixed(r.rssMb ?? null, 0),
      fixed(r.rpcsPerRequest, 2),
      String(r.errors),
    ];
  });
  const goalText = (ratio: BaselineRatio) => (ratio.goal ? `${ratio.goal.at === 'least' ? '≥' : '≤'} ${ratio.goal.value}: ${ratio.verdict}` : '');
  const ratios = report.ratios.map((ratio) => [
    `${ratio.numerator} / ${ratio.denominator.replace(`${BASELINE_GROUP.gateway}-`, '')}`,
    ratio.measure,
    fixed(ratio.summed, 3),
    ratio.mean === null ? 'n/a' : `${ratio.mean.toFixed(3)} (${ratio.low!.toFixed(3)}–${ratio.high!.toFixed(3)})`,
    ratio.rounds.map((r) => r.toFixed(2)).join(' '),
    goalText(ratio),
  ]);
  const checked = Object.keys(report.rpcsOfOneRequest);
  const oneRequest = Object.values(report.rpcsOfOneRequest)[0];
  const rpcLine = oneRequest
    ? `  one request of each of ${checked.join(', ')} sent the services the same RPCs: ` +
      Object.entries(oneRequest)
        .map(([method, n]) => `${method} ×${n}`)
        .join(', ')
    : '  RPCs of one request: the services’ metrics could not be read';
  const failures = group.filter((r) => r.errors > 0 && r.errorKinds);
  const errorLines = failures.map(
    (r) => `  ${r.scenario} errors: ${Object.entries(r.errorKinds!).map(([kind, n]) => `${kind} ×${n}`).join(', ') || `${r.transportErrors} connection errors or timeouts`}`,
  );
  const prod = report.prod
    ? `  ${BASELINE_GROUP.prod}: Redis ${report.prod.redis}; traces sampled at ${report.prod.samplingRatio} to the bench’s OTLP sink, ` +
      `which took ${report.prod.otlpExports ?? 'n/a'} exports (${report.prod.otlpBytes === null ? 'n/a' : `${(report.prod.otlpBytes / 1024).toFixed(0)} kB`})`
    : null;
  return [
    `feed-50 against its baselines: ${settings.connections} connections, each target ${slices} slice${slices > 1 ? 's' : ''} of ${settings.durationSeconds / slices} s, alternated;`,
    `  CPU and RSS of the process that answered (from /proc), RSS the largest at the end of a slice;`,
    `  GC: the gateway's pause time per request and its pauses over 10 ms per second (from its /metrics; the baselines have none)`,
    table(['scenario', 'target', 'req/s', 'p50 / p99 ms', 'p99/p50', 'CPU ms/req', 'GC ms/req, >10 ms/s', 'RSS MB', 'RPCs/req', 'errors'], targets),
    rpcLine,
    ...errorLines,
    ...(prod ? [prod] : []),
    '',
    `ratios: over all slices, and by round (the geometric mean of the rounds' ratios, with its 95% interval)`,
    table(['ratio', 'measure', 'summed', 'by round (95%)', 'each round', 'goal'], ratios),
  ].join('\n');
}

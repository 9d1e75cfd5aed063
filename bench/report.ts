/** What a bench run reports (its `--json` and `--out` output), and how two of its figures are compared. */
import type { FloodReport } from './flood.js';
import type { HostileReport } from './hostile.js';
import type { RoundsReport } from './rounds.js';
import type { SubscriptionReport } from './subscriptions.js';
import { ratioInterval } from './measure.js';
import { fixed } from './table.js';

export interface Settings {
  connections: number;
  durationSeconds: number;
  warmupSeconds: number;
  /** Slices each scenario of a group is measured in (absent in reports from before groups alternated). */
  slices?: number;
}

/** What one scenario measured. */
export interface ScenarioResult {
  scenario: string;
  /** What answered it: `main` (the gateway), a gateway variant (`dc-off`, `prod`, ...), or a baseline (`bare`, `floor`). */
  target?: string;
  /** Responses received during the measured run. */
  requests: number;
  requestsPerSecond: number;
  /** Over the 2xx responses of all slices. */
  p50Ms: number | null;
  p99Ms: number | null;
  /** `non2xx + transportErrors + graphqlErrors`. */
  errors: number;
  non2xx: number;
  /** Connection errors and timeouts. */
  transportErrors: number;
  /** 2xx responses whose body carries GraphQL `errors`. */
  graphqlErrors: number;
  /** The responses that were not a clean answer, by kind (`HTTP 503 SERVICE_UNAVAILABLE`, `GraphQL <code>`). */
  errorKinds?: Record<string, number>;
  /**
   * RPCs the services handled per request sent (`grpc_server_handled_total`
   * on each service's `/metrics`); null when they could not be read. Reports
   * from before it was counted at the services counted the gateway's
   * `gateway_grpc_client_calls_total`.
   */
  rpcsPerRequest: number | null;
  /** `rpcsPerRequest` by `service.Method`. */
  rpcsByMethod?: Record<string, number> | null;
  /**
   * CPU time (user and system, from /proc) of the process that answered, per
   * request sent, in milliseconds: what each request costs the target itself,
   * far less moved by other work on the machine than throughput is.
   */
  cpuMsPerRequest?: number | null;
  /** Resident memory of the process that answered, in MB: the largest seen at the end of a slice. */
  rssMb?: number | null;
  /**
   * Garbage collection pause time of the process that answered, per request
   * sent, in milliseconds (its `nodejs_gc_duration_seconds`); null for a
   * process without `/metrics`, such as the baselines.
   */
  gcMsPerRequest?: number | null;
  /** Its pauses longer than 10 ms, per second measured: each holds up every request in flight. */
  gcPausesOver10MsPerSecond?: number | null;
  /** Requests per second of each slice, in the order run (one slice unless grouped). */
  sliceRequestsPerSecond?: number[];
  /** `cpuMsPerRequest` of each slice, in the order run. */
  sliceCpuMsPerRequest?: (number | null)[];
}

/** The `--json` and `--out` output, and what `--compare` reads back. */
export interface BenchReport {
  version: 1;
  date: string;
  /** `git rev-parse --short HEAD`, with `+dirty` when the tree has changes. */
  commit: string | null;
  node: string;
  /** The machine the run shared: its CPUs, and the load averages (1, 5, 15 minutes) when the run started and ended. */
  machine?: { cpus: number; loadAverageAtStart: number[]; loadAverageAtEnd: number[] | null };
  settings: Settings;
  results: ScenarioResult[];
  baselines?: BaselineReport;
  flood?: FloodReport;
  hostile?: HostileReport;
  subscriptions?: SubscriptionReport;
  /** `--rounds`: where the time of the feed's answers goes; null when none listed its calls. */
  rounds?: { scenario: string; report: RoundsReport | null };
}

/** One ratio of the feed against its baselines, with its goal when the project set one. */
export interface BaselineRatio {
  measure: 'req/s' | 'CPU ms/req';
  /** The scenarios compared: `numerator` over `denominator`. */
  numerator: string;
  denominator: string;
  summed: number | null;
  /** The geometric mean of the rounds' ratios and its 95% interval. */
  mean: number | null;
  low: number | null;
  high: number | null;
  rounds: number[];
  goal: { at: 'least' | 'most'; value: number } | null;
  verdict: 'met' | 'not met' | 'not decided' | null;
}

/** The feed against its baselines (bench/baselines-table.ts). */
export interface BaselineReport {
  ratios: BaselineRatio[];
  /**
   * The RPCs the services received for each target's one request before the
   * measuring, by scenario and `service.Method`: the run stops unless they are
   * the same. (Per request under load, `rpcsByMethod` may fall short of them
   * by the requests cut at the end of each slice, whose last RPCs a gateway cancels.)
   */
  rpcsOfOneRequest: Record<string, Record<string, number>>;
  /** How the production-like gateway ran, when it did. */
  prod?: {
    /** `REDIS_URL`, or `started by the bench`. */
    redis: string;
    samplingRatio: number;
    /** OTLP export requests and bytes the sink took during the whole run. */
    otlpExports: number | null;
    otlpBytes: number | null;
  };
}

/** One measure of A compared with B: over all slices, round by round, and the table cells that show it. */
export interface RoundComparison {
  /** A over B, over all slices. */
  summed: number | null;
  /** The geometric mean of the rounds' ratios and its 95% interval; null with fewer than two rounds. */
  interval: { mean: number; low: number; high: number } | null;
  /** A over B, slice by slice. */
  rounds: number[];
  /** Summed, by round (95%), and each round's ratio. */
  cells: string[];
}

/** One measure compared as A over B, overall and round by round (slice i of A over slice i of B). */
export function compareRounds(
  a: number | null | undefined,
  b: number | null | undefined,
  aSlices: readonly (number | null)[] = [],
  bSlices: readonly (number | null)[] = [],
): RoundComparison {
  const rounds = aSlices.flatMap((value, i) => {
    const other = bSlices[i];
    return value !== null && other ? [value / other] : [];
  });
  const summed = a !== null && a !== undefined && b ? a / b : null;
  const interval = ratioInterval(rounds);
  const cells = [
    fixed(summed, 3),
    interval ? `${interval.mean.toFixed(3)} (${interval.low.toFixed(3)}–${interval.high.toFixed(3)})` : 'n/a',
    rounds.map((ratio) => ratio.toFixed(2)).join(' '),
  ];
  return { summed, interval, rounds, cells };
}

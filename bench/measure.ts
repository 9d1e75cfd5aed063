/**
 * What the bench measures with: load runs (autocannon), one-off GraphQL
 * requests, and the gateway's own `/metrics`.
 */
import { setTimeout as delay } from 'node:timers/promises';
import autocannon from 'autocannon';

export interface GraphqlResponse {
  data?: unknown;
  errors?: unknown[];
}

/** POSTs `body` to `url` and parses the answer; a body that is not JSON comes back as one error naming the status. */
export async function postGraphql(url: string, body: string, headers: Record<string, string>): Promise<GraphqlResponse> {
  const response = await fetch(url, { method: 'POST', headers, body });
  const text = await response.text();
  try {
    return JSON.parse(text) as GraphqlResponse;
  } catch {
    return { errors: [`HTTP ${response.status}: ${text.slice(0, 200)}`] };
  }
}

/** What one load run (or several, merged) measured. */
export interface LoadRun {
  /** Responses received. */
  responses: number;
  /** Requests sent, including those still in flight when the run stopped. */
  sent: number;
  /** How long it ran. */
  seconds: number;
  /** The latency of each 2xx response, in milliseconds (as autocannon's own figures, which count 2xx only). */
  latenciesMs: number[];
  /** Responses other than 2xx. */
  non2xx: number;
  /** Connection errors and timeouts. */
  transportErrors: number;
  /** 2xx responses whose body carries GraphQL `errors`. */
  graphqlErrors: number;
  /**
   * Responses that were not a clean answer, by kind: `HTTP 503 SERVICE_UNAVAILABLE`
   * (a status, and the first error's code when the body has one), or
   * `GraphQL <code>` for a 2xx carrying errors.
   */
  errorKinds: Record<string, number>;
}

/** The kind of a response that was not a clean answer (see `LoadRun.errorKinds`). */
function errorKind(status: number, body: string): string {
  let code: unknown;
  try {
    code = (JSON.parse(body) as { errors?: { extensions?: { code?: unknown } }[] }).errors?.[0]?.extensions?.code;
  } catch {
    code = undefined;
  }
  const named = typeof code === 'string' ? ` ${code}` : '';
  return status < 300 ? `GraphQL${named || ' error'}` : `HTTP ${status}${named}`;
}

export interface LoadOptions {
  baseUrl: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  /** How long to run; `LoadRun.seconds` says how long it really ran (up to a `SAMPLE_MS` tick more). */
  durationSeconds: number;
  /** Sees every response, for a finer count than autocannon's (by status and error code, say). */
  onResponse?: (status: number, body: string) => void;
}

export interface RunningLoad {
  /** Ends the run at autocannon's next tick; requests still in flight are cut. */
  stop(): void;
  readonly done: Promise<LoadRun>;
}

/**
 * autocannon's sampling tick, in milliseconds. It stops a run only on a tick,
 * so its default (one second) would stretch a 2.5 s slice to 3 s and keep a
 * stopped flood going for up to a second.
 */
const SAMPLE_MS = 100;

/** Starts autocannon against `/graphql`, sending `body` over and over. */
export function startLoad({ baseUrl, body, headers, connections, durationSeconds, onResponse }: LoadOptions): RunningLoad {
  let graphqlErrors = 0;
  const errorKinds: Record<string, number> = {};
  const latenciesMs: number[] = [];
  let instance: autocannon.Instance | undefined;
  const done = new Promise<LoadRun>((resolve, reject) => {
    instance = autocannon(
      {
        url: baseUrl,
        connections,
        duration: durationSeconds,
        sampleInt: SAMPLE_MS,
        requests: [
          {
            method: 'POST',
            path: '/graphql',
            headers,
            body,
            onResponse: (status, responseBody) => {
              const failed = status >= 300 || responseBody.includes('"errors":[');
              if (status < 300 && failed) graphqlErrors += 1;
              if (failed) {
                const kind = errorKind(status, responseBody);
                errorKinds[kind] = (errorKinds[kind] ?? 0) + 1;
              }
              onResponse?.(status, responseBody);
            },
          },
        ],
      },
      (error: unknown, result) => {
        if (error) return reject(error instanceof Error ? error : new Error(String(error)));
        resolve({
          responses: result.requests.total,
          sent: result.requests.sent || result.requests.total,
          seconds: result.duration,
          latenciesMs,
          non2xx: result.non2xx,
          transportErrors: result.errors,
          graphqlErrors,
          errorKinds,
        });
      },
    );
    instance.on('response', (_client, status, _bytes, responseTimeMs) => {
      if (status >= 200 && status < 300) latenciesMs.push(responseTimeMs);
    });
  });
  return { stop: () => instance?.stop(), done };
}

/** Runs `startLoad` for its whole duration. */
export const load = (options: LoadOptions): Promise<LoadRun> => startLoad(options).done;

/** Runs measured in slices of one scenario, as one run. */
export function mergeRuns(runs: readonly LoadRun[]): LoadRun {
  const sum = (pick: (run: LoadRun) => number) => runs.reduce((total, run) => total + pick(run), 0);
  return {
    responses: sum((run) => run.responses),
    sent: sum((run) => run.sent),
    seconds: sum((run) => run.seconds),
    latenciesMs: runs.flatMap((run) => run.latenciesMs),
    non2xx: sum((run) => run.non2xx),
    transportErrors: sum((run) => run.transportErrors),
    graphqlErrors: sum((run) => run.graphqlErrors),
    errorKinds: runs.reduce<Record<string, number>>((kinds, run) => {
      for (const [kind, n] of Object.entries(run.errorKinds)) kinds[kind] = (kinds[kind] ?? 0) + n;
      return kinds;
    }, {}),
  };
}

/** The `p`th percentile (0–100) of `values` by nearest rank; null when there are none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/** Two-sided 95% quantiles of Student's t, by degrees of freedom; 1.96 beyond the table. */
const T_95: readonly number[] = [NaN, 12.71, 4.3, 3.18, 2.78, 2.57, 2.45, 2.36, 2.31, 2.26, 2.23, 2.2, 2.18, 2.16, 2.14, 2.13, 2.12, 2.11, 2.1, 2.09, 2.09];

/**
 * The geometric mean of `ratios` (A over B, one per round) and its 95%
 * confidence interval, from the mean and spread of their logarithms: ratios
 * multiply, so 0.8 and 1.25 cancel out. Null with fewer than two ratios.
 */
export function ratioInterval(ratios: readonly number[]): { mean: number; low: number; high: number } | null {
  if (ratios.length < 2) return null;
  const logs = ratios.map(Math.log);
  const mean = logs.reduce((sum, x) => sum + x, 0) / logs.length;
  const sd = Math.sqrt(logs.reduce((sum, x) => sum + (x - mean) ** 2, 0) / (logs.length - 1));
  const t = T_95[logs.length - 1] ?? (logs.length > 30 ? 1.96 : 2.05);
  const half = (t * sd) / Math.sqrt(logs.length);
  return { mean: Math.exp(mean), low: Math.exp(mean - half), high: Math.exp(mean + half) };
}

/** One read of a `/metrics` page. */
export interface MetricsPage {
  /** Every sample, keyed `name{labels}` as printed. */
  samples: Map<string, number>;
  /** The metrics the page declares (`# TYPE`), with samples or not: a labelled counter has none until first counted. */
  declared: Set<string>;
}

/** Reads a `/metrics` page; null when it cannot be read. */
export async function scrapeMetrics(metricsUrl: string): Promise<MetricsPage | null> {
  const response = await fetch(metricsUrl).catch(() => null);
  if (!response?.ok) return null;
  const page: MetricsPage = { samples: new Map(), declared: new Set() };
  for (const line of (await response.text()).split('\n')) {
    if (line.startsWith('# TYPE ')) page.declared.add(line.split(' ')[2]!);
    if (line === '' || line.startsWith('#')) continue;
    const cut = line.lastIndexOf(' ');
    page.samples.set(line.slice(0, cut), Number(line.slice(cut + 1)));
  }
  return page;
}

/** The sum of metric `name` over all its label sets: 0 when declared without samples, null when not on the page. */
export function metricSum(page: MetricsPage | null, name: string): number | null {
  if (!page?.declared.has(name)) return null;
  let total = 0;
  for (const [key, value] of page.samples) if (key === name || key.startsWith(`${name}{`)) total += value;
  return total;
}

/** RPCs the gateway has sent so far: the sum of `gateway_grpc_client_calls_total`; null without that metric. */
export async function rpcCount(metricsUrl: string): Promise<number | null> {
  return metricSum(await scrapeMetrics(metricsUrl), 'gateway_grpc_client_calls_total');
}

/**
 * `rpcCount` once it stops moving. autocannon stops at the deadline with
 * requests still in flight; the gateway finishes them, and their RPCs belong
 * to the run that sent them, not to the next one.
 */
export async function settledRpcCount(metricsUrl: string): Promise<number | null> {
  let previous = await rpcCount(metricsUrl);
  for (let i = 0; i < 20; i++) {
    await delay(150);
    const current = await rpcCount(metricsUrl);
    if (current === previous) return current;
    previous = current;
  }
  return previous;
}

/** The labels of a sample key as `/metrics` prints it: `name{a="1",b="2"}`. */
function labelsOf(key: string): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const match of key.matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[match[1]!] = match[2]!;
  return labels;
}

/**
 * RPCs the services have handled so far, keyed `service.Method`, from each
 * service's `/metrics` (`grpc_server_handled_total`, whatever the status):
 * counted where they arrive, so the same for any target that sends them.
 * Null when a page cannot be read.
 */
export async function serviceCalls(metricsUrls: readonly string[]): Promise<Map<string, number> | null> {
  const pages = await Promise.all(metricsUrls.map(scrapeMetrics));
  const calls = new Map<string, number>();
  for (const page of pages) {
    if (!page?.declared.has('grpc_server_handled_total')) return null;
    for (const [key, value] of page.samples) {
      if (!key.startsWith('grpc_server_handled_total{')) continue;
      const { service, method } = labelsOf(key);
      const name = `${service ?? '?'}.${method ?? '?'}`;
      calls.set(name, (calls.get(name) ?? 0) + value);
    }
  }
  return calls;
}

const totalOf = (calls: Map<string, number> | null) => (calls === null ? null : [...calls.values()].reduce((sum, n) => sum + n, 0));

/** `serviceCalls` once their total stops moving: the calls of requests cut at a run's deadline belong to that run. */
export async function settledServiceCalls(metricsUrls: readonly string[]): Promise<Map<string, number> | null> {
  let previous = await serviceCalls(metricsUrls);
  for (let i = 0; i < 20; i++) {
    await delay(150);
    const current = await serviceCalls(metricsUrls);
    if (totalOf(current) === totalOf(previous)) return current;
    previous = current;
  }
  return previous;
}

/** Garbage collection pauses of a Node process so far, from its `nodejs_gc_duration_seconds` histogram (prom-client's default metrics). */
export interface GcPauses {
  /** Pauses counted, of every kind. */
  count: number;
  /** Their total length in seconds. */
  seconds: number;
  /** Those longer than 10 ms: each one holds up every request in flight by at least that much. */
  over10ms: number;
}

const GC_HISTOGRAM = 'nodejs_gc_duration_seconds';

/** A `le` bound of prom-client's default GC histogram (its buckets are 1 ms, 10 ms, 100 ms, 1 s, 2 s, 5 s). */
const GC_LONG_PAUSE_BOUND = 'le="0.01"';

/** The GC pauses on a `/metrics` page, summed over their kinds; null when the page has no GC histogram. */
export function gcPauses(page: MetricsPage | null): GcPauses | null {
  if (!page?.declared.has(GC_HISTOGRAM)) return null;
  const pauses: GcPauses = { count: 0, seconds: 0, over10ms: 0 };
  let short = 0;
  for (const [key, value] of page.samples) {
    if (key.startsWith(`${GC_HISTOGRAM}_count`)) pauses.count += value;
    else if (key.startsWith(`${GC_HISTOGRAM}_sum`)) pauses.seconds += value;
    else if (key.startsWith(`${GC_HISTOGRAM}_bucket{`) && key.includes(GC_LONG_PAUSE_BOUND)) short += value;
  }
  pauses.over10ms = pauses.count - short;
  return pauses;
}

/** The pauses between two readings of one process; null unless both were read. */
export function gcBetween(before: GcPauses | null, after: GcPauses | null): GcPauses | null {
  if (!before || !after) return null;
  return { count: after.count - before.count, seconds: after.seconds - before.seconds, over10ms: after.over10ms - before.over10ms };
}

/** The gateway process's resident memory in MB (`process_resident_memory_bytes`); null without it. */
export async function gatewayRssMb(metricsUrl: string): Promise<number | null> {
  const bytes = metricSum(await scrapeMetrics(metricsUrl), 'process_resident_memory_bytes');
  return bytes === null ? null : bytes / 2 ** 20;
}

/** Whether `/healthz` answers 200, and how long it took. */
export async function checkHealth(healthzUrl: string): Promise<{ healthy: boolean; ms: number }> {
  const startedAt = performance.now();
  try {
    const response = await fetch(healthzUrl, { signal: AbortSignal.timeout(10_000) });
    await response.body?.cancel();
    return { healthy: response.status === 200, ms: performance.now() - startedAt };
  } catch {
    return { healthy: false, ms: performance.now() - startedAt };
  }
}

/**
 * Overload protection of one gateway replica: a load shedder in front of the
 * GraphQL route, and the readiness check that takes the replica out of its
 * load balancer while it is overloaded.
 */
import type { Request, RequestHandler } from 'express';
import type { OverloadSettings } from '../config/index.js';
import type { ReadinessCheck } from '../http/readiness.js';
import type { GatewayMetrics } from '../telemetry/metrics.js';
import { CostInFlight } from './cost-in-flight.js';
import { ProcessLoadSampler, type SampleLoad } from './load-sampler.js';
import { RETRY_AFTER_SECONDS, shedLoad } from './middleware.js';
import { LoadShedder } from './shedder.js';

export { CostInFlight } from './cost-in-flight.js';
export { DEFAULT_WINDOW_MS, ProcessLoadSampler, heapUsedPercent, type LoadSample, type SampleLoad } from './load-sampler.js';
export { RETRY_AFTER_SECONDS, shedLoad } from './middleware.js';
export { LoadShedder, type Admission, type ReplicaOverload, type ShedderLimits } from './shedder.js';

/** One replica's overload protection, wired to its metrics. */
export interface OverloadProtection {
  readonly shedder: LoadShedder;
  /** The estimated cost running now, weighed before each operation runs (`MAX_COST_IN_FLIGHT`). */
  readonly costInFlight: CostInFlight;
  /** The middleware for the GraphQL route, first in line; see `shedLoad`. */
  shedRequests(clientKey: (req: Request) => Promise<string>): RequestHandler;
  /**
   * For `/readyz`: fails while the replica sheds for event loop delay or heap,
   * so that load balancers send traffic elsewhere until it recovers. Not for a
   * full in-flight limit, which comes and goes with each request, nor for one
   * client's share, which says nothing about the replica.
   */
  readonly readinessCheck: ReadinessCheck;
  /** Stops sampling the process. */
  stop(): void;
}

export interface OverloadProtectionOptions {
  metrics: GatewayMetrics;
  /**
   * Where the load comes from; by default this process, sampled every
   * `DEFAULT_WINDOW_MS`. Tests pass their own to overload a replica at will.
   */
  sampleLoad?: SampleLoad;
}

/** Sets up the load shedder of one replica with `settings`, reporting to `metrics`. */
export function createOverloadProtection(settings: OverloadSettings, { metrics, sampleLoad }: OverloadProtectionOptions): OverloadProtection {
  // Sampled even when both load limits are off: the gauges help choose them.
  let sampler: ProcessLoadSampler | null = null;
  const load = sampleLoad ?? (sampler = new ProcessLoadSampler()).current;
  const shedder = new LoadShedder(settings, load, metrics.onLoadShed);
  const costInFlight = new CostInFlight(settings.maxCostInFlight, (client) => {
    metrics.onLoadShed('cost-in-flight');
    // Told to retry after a second, the client is refused at the door meanwhile, before its requests cost anything.
    shedder.holdBack(client, RETRY_AFTER_SECONDS['cost-in-flight'] * 1_000);
  });
  metrics.watchOverload({ inFlight: () => shedder.inFlight, costInFlight: () => costInFlight.total, load });
  return {
    shedder,
    costInFlight,
    shedRequests: (clientKey) => shedLoad(shedder, clientKey),
    readinessCheck: { check: async () => shedder.overload() === null, required: true },
    stop: () => sampler?.stop(),
  };
}

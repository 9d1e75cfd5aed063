import type { ServiceClients } from '../grpc/service-clients.js';

/** Whether every part the gateway needs answers, naming those that do not. */
export interface ReadinessReport {
  ready: boolean;
  /** Required parts that failed their check: service names (`users`), or `redis` when it is required. */
  failing: string[];
  /**
   * Optional parts that failed: the gateway still answers without them, more
   * slowly (Redis while rate limiting fails open). They do not make it unready,
   * or every replica would leave the load balancer at once over a shared cache.
   */
  degraded: string[];
}

/** A dependency check besides the service channels (Redis, when configured). */
export interface ReadinessCheck {
  /** Resolves true when healthy. */
  check: () => Promise<boolean>;
  /** Whether requests fail without it, so that the gateway is unready. */
  required: boolean;
}

/**
 * Checks every service channel, waiting at most `timeoutMs` for each to
 * connect, and runs `checks` (say `{ redis: { check: ping, required } }`) with the same
 * bound; a check that throws or runs out of time fails.
 */
export async function readiness(
  clients: ServiceClients,
  timeoutMs = 1_000,
  checks: Record<string, ReadinessCheck> = {},
): Promise<ReadinessReport> {
  const channels = Object.entries(clients).map(
    ([name, client]) =>
      new Promise<[string, boolean]>((resolve) => {
        client.raw.waitForReady(Date.now() + timeoutMs, (error) => resolve([name, !error]));
      }),
  );
  const others = Object.entries(checks).map(([name, { check }]) => withinTime(name, check, timeoutMs));
  const results = await Promise.all([...channels, ...others]);
  const failed = results.filter(([, ok]) => !ok).map(([name]) => name);
  const failing = failed.filter((name) => checks[name]?.required !== false);
  const degraded = failed.filter((name) => checks[name]?.required === false);
  return { ready: failing.length === 0, failing, degraded };
}

async function withinTime(name: string, check: () => Promise<boolean>, timeoutMs: number): Promise<[string, boolean]> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return [name, await Promise.race([check().catch(() => false), timedOut])];
  } finally {
    clearTimeout(timer);
  }
}

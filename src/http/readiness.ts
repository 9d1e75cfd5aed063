import type { ServiceClients } from '../grpc/service-clients.js';

/** Whether every part the gateway needs answers, naming those that do not. */
export interface ReadinessReport {
  ready: boolean;
  /** Parts that failed their check: service names (`users`), or `redis`. */
  failing: string[];
}

/** A dependency check besides the service channels (Redis, when configured): resolves true when healthy. */
export type ReadinessCheck = () => Promise<boolean>;

/**
 * Checks every service channel, waiting at most `timeoutMs` for each to
 * connect, and runs `checks` (say `{ redis: () => ping() }`) with the same
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
  const others = Object.entries(checks).map(([name, check]) => withinTime(name, check, timeoutMs));
  const results = await Promise.all([...channels, ...others]);
  const failing = results.filter(([, ok]) => !ok).map(([name]) => name);
  return { ready: failing.length === 0, failing };
}

async function withinTime(name: string, check: ReadinessCheck, timeoutMs: number): Promise<[string, boolean]> {
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

import type { ServiceClients } from '../grpc/service-clients.js';

/** Whether every upstream service can be reached, naming those that cannot. */
export interface ReadinessReport {
  ready: boolean;
  /** Services whose channel could not connect within the check's deadline. */
  failing: string[];
}

/** Checks every service channel, waiting at most `timeoutMs` for each to connect. */
export async function readiness(clients: ServiceClients, timeoutMs = 1_000): Promise<ReadinessReport> {
  const results = await Promise.all(
    Object.entries(clients).map(
      ([name, client]) =>
        new Promise<[string, boolean]>((resolve) => {
          client.raw.waitForReady(Date.now() + timeoutMs, (error) => resolve([name, !error]));
        }),
    ),
  );
  const failing = results.filter(([, ok]) => !ok).map(([name]) => name);
  return { ready: failing.length === 0, failing };
}

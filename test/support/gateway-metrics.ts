import type { Gateway } from '../../src/gateway.js';

/** RPCs the gateway sent to `service` (every attempt, whatever its outcome), read from its own metrics. */
export async function rpcsSent(gateway: Gateway, service: string, code?: string): Promise<number> {
  const { values } = await gateway.metrics.grpcClientCalls.get();
  return values
    .filter((value) => value.labels.service === service && (code === undefined || value.labels.code === code))
    .reduce((sum, value) => sum + value.value, 0);
}

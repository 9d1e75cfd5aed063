import { Metadata } from '@grpc/grpc-js';
import type { ServiceName } from '../../services/common/addresses.js';
import { normalizeError, ServiceUnavailableError, type FieldNaming } from '../errors.js';
import type { ServicePolicies } from '../resilience/policies.js';
import { mayRetry } from './idempotency.js';
import type { ServiceClients } from './service-clients.js';
import type { CallTracker } from './unary-client.js';

/** What a request may still spend on RPCs (its execution budget, see src/demand-control), and its calls in flight. */
export interface RpcBudget extends CallTracker {
  /** Pays for one RPC before it is sent; throws when none is left. */
  spendRpc(): void;
}


type RequestApi<A> = {
  [K in keyof A]: A[K] extends (request: infer Req, ...rest: never[]) => Promise<infer Res>
    ? (request: Req, errors?: FieldNaming) => Promise<Res>
    : never;
};

/** Every service's API as seen by one request. */
export type ServiceApis = { readonly [K in ServiceName]: RequestApi<ServiceClients[K]['api']> };

export interface RequestCallSettings {
  /** The policies of every service, shared by all requests of a gateway. */
  policies: ServicePolicies;
  /** When the request's time budget runs out (ms since the epoch); no RPC deadline goes past it. */
  budgetEndsAt: number;
  /** Longest deadline of one attempt, in milliseconds, even when more budget is left. */
  rpcTimeoutMs: number;
  /** Sent with every call (identity, tracing). */
  metadata?: Metadata;
  /** The request's execution budget: every attempt pays for one RPC before it is sent. */
  budget?: RpcBudget;
}

/**
 * Wraps the shared clients for one request. Every call runs through its
 * service's policies (retries for methods the proto declares NO_SIDE_EFFECTS,
 * the shared breaker and bulkhead) and carries a gRPC deadline cut from what
 * is left of the request's budget; a failure becomes the gateway error a client should see
 * (SERVICE_UNAVAILABLE naming the service, BAD_USER_INPUT naming the argument, ...).
 */
export function createServiceApis(clients: ServiceClients, settings: RequestCallSettings): ServiceApis {
  // Wall-clock time, as the gRPC deadline is an absolute wall-clock time.
  const now = Date.now;
  const apis: Record<string, Record<string, unknown>> = {};
  for (const [service, client] of Object.entries(clients) as [ServiceName, ServiceClients[ServiceName]][]) {
    const policy = settings.policies[service];
    const methods: Record<string, unknown> = {};
    for (const [name, method] of Object.entries(client.api as Record<string, (req: unknown, opts: object) => Promise<unknown>>)) {
      // Retried only when the proto declares the method NO_SIDE_EFFECTS.
      const policyFor = mayRetry(service, name) ? policy.read : policy.write;
      methods[name] = async (request: unknown, errorOptions: FieldNaming = {}) => {
        try {
          return await policyFor.execute(() => {
            const left = settings.budgetEndsAt - now();
            // The budget is spent (by earlier attempts, or a long wait for a slot):
            // fail without a call the service could not finish in time anyway.
            if (left <= 0) throw new ServiceUnavailableError(service, new Error(`request budget spent before ${name}`));
            settings.budget?.spendRpc();
            return method(request, {
              tracker: settings.budget,
              deadline: now() + Math.min(left, settings.rpcTimeoutMs),
              // A copy per call: grpc-js may add to the metadata it is given.
              metadata: settings.metadata?.clone() ?? new Metadata(),
            });
          });
        } catch (error) {
          // A gRPC status, an open breaker or full bulkhead (answered at once
          // instead of waiting on the service), a spent budget: what it means
          // for the client is decided in one place, src/errors/normalize.ts.
          throw normalizeError(error, { service, naming: errorOptions }).error;
        }
      };
    }
    apis[service] = methods;
  }
  return apis as unknown as ServiceApis;
}

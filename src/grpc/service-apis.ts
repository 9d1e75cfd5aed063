import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import type { ServiceName } from '../../platform/addresses.js';
import { isGrpcServiceError, normalizeError, ServiceUnavailableError, type FieldNaming, type NormalizedError } from '../errors.js';
import type { ServicePolicies } from '../resilience/policies.js';
import type { CallRecorder } from '../telemetry/calls.js';
import { mayRetry, SERVICE_CONTRACTS, type ServiceContract } from './idempotency.js';
import type { ServiceClients } from './service-clients.js';
import type { CallTracker } from '../../platform/unary-client.js';

/** What a request may still spend on RPCs (its execution budget, see src/demand-control), and its calls in flight. */
export interface RpcBudget extends CallTracker {
  /** Pays for one RPC before it is sent; throws when none is left. */
  spendRpc(): void;
}

/**
 * What a caller says about one call: how the proto fields a refusal names are
 * shown to the client, and, for a batch RPC, how many keys or pages it carries
 * (listed in `extensions.calls`).
 */
export interface CallOptions extends FieldNaming {
  /** Keys (or pages) in this batch; leave it out for a call that is not a batch. */
  batch?: number;
}

type RequestApi<A> = {
  [K in keyof A]: A[K] extends (request: infer Req, ...rest: never[]) => Promise<infer Res>
    ? (request: Req, options?: CallOptions) => Promise<Res>
    : never;
};

/** Every service's API as seen by one request. */
export type ServiceApis = { readonly [K in ServiceName]: RequestApi<ServiceClients[K]['api']> };

/** What one request's calls carry: its deadlines, identity, budget and call recorder. */
export interface RequestCallSettings {
  /** When the request's time budget runs out (ms since the epoch); no RPC deadline goes past it. */
  budgetEndsAt: number;
  /** Longest deadline of one attempt, in milliseconds, even when more budget is left. */
  rpcTimeoutMs: number;
  /** Sent with every call (identity, tracing). */
  metadata?: Metadata;
  /** The request's execution budget: every attempt pays for one RPC before it is sent. */
  budget?: RpcBudget;
  /** Where the request's calls are recorded for `extensions.calls`; off (or absent), nothing is measured. */
  calls?: CallRecorder;
}

/** What each method of a request's service object reads its request's settings from. */
interface RequestScoped {
  readonly settings: RequestCallSettings;
}

/**
 * The shared clients, wrapped for each request. Every call runs through its
 * service's policies (retries for methods the proto declares NO_SIDE_EFFECTS,
 * the shared breaker and bulkhead) and carries a gRPC deadline cut from what
 * is left of the request's budget; a failure becomes the gateway error a client should see
 * (SERVICE_UNAVAILABLE naming the service, BAD_USER_INPUT naming the argument, ...).
 * Each call is recorded in `settings.calls` when it is on: one entry per call, whatever its attempts.
 *
 * Made once per gateway: every method is a prototype method of its service's
 * request object and reads the request's settings from it, so that the
 * closures, policy choices and method tables of some thirty methods are not
 * built again for every request, most of which call three of them. Call them
 * through their service's object (`apis.users.batchGetUsers(...)`).
 */
export class ServiceApiTemplates {
  readonly #prototypes: (readonly [ServiceName, object])[] = [];

  constructor(clients: ServiceClients, policies: ServicePolicies) {
    for (const [service, client] of Object.entries(clients) as [ServiceName, ServiceClients[ServiceName]][]) {
      const prototype: Record<string, unknown> = {};
      for (const [name, method] of Object.entries(client.api as Record<string, UnaryMethod>)) {
        // Retried only when the proto declares the method NO_SIDE_EFFECTS.
        const policy = mayRetry(service, name) ? policies[service].read : policies[service].write;
        const call = { service, name, protoName: protoMethodName(service, name), method, policy };
        prototype[name] = function (this: RequestScoped, request: unknown, options: CallOptions = {}) {
          return callService(this.settings, call, request, options);
        };
      }
      this.#prototypes.push([service, prototype]);
    }
  }

  /** The APIs of one request: one object per service over its shared methods, carrying `settings`. */
  forRequest(settings: RequestCallSettings): ServiceApis {
    const apis: Record<string, RequestScoped> = {};
    for (const [service, prototype] of this.#prototypes) {
      const api = Object.create(prototype) as { settings: RequestCallSettings };
      api.settings = settings;
      apis[service] = api;
    }
    return apis as unknown as ServiceApis;
  }
}

type UnaryMethod = (request: unknown, options: object) => Promise<unknown>;

/** One method of one service, with the policy its calls run through. */
interface ServiceMethod {
  readonly service: ServiceName;
  /** As the client names it: `batchGetUsers`. */
  readonly name: string;
  /** As the proto names it: `BatchGetUsers`. */
  readonly protoName: string;
  readonly method: UnaryMethod;
  readonly policy: ServicePolicies[ServiceName]['read'];
}

/** One call of `call.method` for a request with `settings`: see `ServiceApiTemplates`. */
async function callService(settings: RequestCallSettings, call: ServiceMethod, request: unknown, options: CallOptions): Promise<unknown> {
  const { calls } = settings;
  const { service, name } = call;
  // Off (production without the debug scope), recording costs this one test.
  const recorded = calls?.enabled ? calls.startRpc(service, call.protoName, options.batch) : undefined;
  let attempts = 0;
  try {
    const reply = await call.policy.execute(() => {
      // Wall-clock time, as the gRPC deadline is an absolute wall-clock time.
      const now = Date.now();
      const left = settings.budgetEndsAt - now;
      // The budget is spent (by earlier attempts, or a long wait for a slot):
      // fail without a call the service could not finish in time anyway.
      if (left <= 0) throw new ServiceUnavailableError(service, new Error(`request budget spent before ${name}`));
      settings.budget?.spendRpc();
      attempts += 1;
      return call.method(request, {
        tracker: settings.budget,
        deadline: now + Math.min(left, settings.rpcTimeoutMs),
        // A copy per call: grpc-js may add to the metadata it is given.
        metadata: settings.metadata?.clone() ?? new Metadata(),
      });
    });
    if (recorded) calls?.finishRpc(recorded, attempts, 'OK');
    return reply;
  } catch (error) {
    // A gRPC status, an open breaker or full bulkhead (answered at once
    // instead of waiting on the service), a spent budget: what it means
    // for the client is decided in one place, src/errors/normalize.ts.
    const normalized = normalizeError(error, { service, naming: options });
    if (recorded) calls?.finishRpc(recorded, attempts, outcomeOf(error, normalized));
    throw normalized.error;
  }
}

/** The proto's name of `method` (`batchGetUsers` is `BatchGetUsers`), as services and traces name it. */
function protoMethodName(service: ServiceName, method: string): string {
  const methods: ServiceContract['methods'] = SERVICE_CONTRACTS[service].methods;
  return Object.hasOwn(methods, method) ? methods[method]!.name : method;
}

/**
 * How a failed call is listed: by its gRPC status when a service answered
 * (`UNAVAILABLE`, `NOT_FOUND`), else by the gateway's code for why none did
 * (`SERVICE_UNAVAILABLE` for an open breaker or full bulkhead, `EXECUTION_BUDGET_EXCEEDED`).
 */
function outcomeOf(error: unknown, normalized: NormalizedError): string {
  return isGrpcServiceError(error) ? (GrpcStatus[error.code] ?? String(error.code)) : normalized.code;
}

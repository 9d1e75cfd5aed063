import { Metadata } from '@grpc/grpc-js';
import type { ServiceName } from '../../services/common/addresses.js';
import { fromGrpcError, isGrpcServiceError, type FieldNaming } from '../errors.js';
import type { ServiceClients } from './service-clients.js';


type RequestApi<A> = {
  [K in keyof A]: A[K] extends (request: infer Req, ...rest: never[]) => Promise<infer Res>
    ? (request: Req, errors?: FieldNaming) => Promise<Res>
    : never;
};

/** Every service's API as seen by one request. */
export type ServiceApis = { readonly [K in ServiceName]: RequestApi<ServiceClients[K]['api']> };

export interface RequestCallSettings {
  /** Milliseconds each RPC may take. */
  rpcTimeoutMs: number;
  /** Sent with every call (identity, tracing). */
  metadata?: Metadata;
}

/**
 * Wraps the shared clients for one request: every call gets a deadline, and a
 * gRPC failure becomes the gateway error a client should see (SERVICE_UNAVAILABLE
 * naming the service, BAD_USER_INPUT naming the argument, ...).
 */
export function createServiceApis(clients: ServiceClients, settings: RequestCallSettings): ServiceApis {
  const apis: Record<string, Record<string, unknown>> = {};
  for (const [service, client] of Object.entries(clients)) {
    const methods: Record<string, unknown> = {};
    for (const [name, method] of Object.entries(client.api as Record<string, (req: unknown, opts: object) => Promise<unknown>>)) {
      methods[name] = async (request: unknown, errorOptions: FieldNaming = {}) => {
        try {
          return await method(request, {
            deadline: Date.now() + settings.rpcTimeoutMs,
            // A copy per call: grpc-js may add to the metadata it is given.
            metadata: settings.metadata?.clone() ?? new Metadata(),
          });
        } catch (error) {
          if (isGrpcServiceError(error)) throw fromGrpcError(error, service, errorOptions);
          throw error;
        }
      };
    }
    apis[service] = methods;
  }
  return apis as unknown as ServiceApis;
}

import { status, type ClientReadableStream, type Metadata } from '@grpc/grpc-js';
import type { ServiceName } from '../../platform/addresses.js';
import { isGrpcServiceError, normalizeError, SubscriptionOverflowError } from '../errors.js';
import { liveStream, type LiveStream } from './live-stream.js';
import type { ServiceClients } from './service-clients.js';

type StreamApi<A> = {
  [K in keyof A]: A[K] extends (request: infer Req, ...rest: never[]) => ClientReadableStream<infer Res> ? (request: Req) => LiveStream<Res> : never;
};

/** Every service's server-streaming methods as one subscription sees them (only those services that have some are of use). */
export type ServiceStreams = { readonly [K in ServiceName]: StreamApi<ServiceClients[K]['streams']> };

export interface StreamCallSettings {
  /** Sent with every call: the service secret and the viewer's identity. */
  metadata: Metadata;
  /** Events one stream may hold for a consumer that has not read them (`SUBSCRIPTION_BUFFER_EVENTS`). */
  maxBuffered: number;
}

/**
 * The server-streaming methods of every service for one subscription: each
 * call carries the viewer's identity, has no deadline (it lasts as long as
 * the subscription), is never retried (a failed stream ends its subscription
 * with the error, as `normalizeError` maps it) and is bounded as a
 * `LiveStream` is: `maxBuffered` events waiting at most, then
 * SUBSCRIPTION_OVERFLOW (as when the service ends a stream read too slowly
 * with RESOURCE_EXHAUSTED). Stopping the iteration cancels the call.
 */
export function createServiceStreams(clients: ServiceClients, settings: StreamCallSettings): ServiceStreams {
  const streams: Record<string, Record<string, unknown>> = {};
  for (const [service, client] of Object.entries(clients) as [ServiceName, ServiceClients[ServiceName]][]) {
    const methods: Record<string, unknown> = {};
    for (const [name, method] of Object.entries(client.streams as Record<string, (req: unknown, opts: object) => ClientReadableStream<unknown>>)) {
      methods[name] = (request: unknown) =>
        liveStream(method(request, { metadata: settings.metadata.clone() }), {
          maxBuffered: settings.maxBuffered,
          overflow: () => new SubscriptionOverflowError(settings.maxBuffered),
          // A service ends a stream its caller reads too slowly with RESOURCE_EXHAUSTED: the subscription fell behind there.
          failure: (error) =>
            isGrpcServiceError(error) && error.code === status.RESOURCE_EXHAUSTED
              ? new SubscriptionOverflowError(settings.maxBuffered)
              : normalizeError(error, { service }).error,
        });
    }
    streams[service] = methods;
  }
  return streams as unknown as ServiceStreams;
}

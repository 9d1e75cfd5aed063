import {
  Client,
  Metadata,
  credentials,
  type CallOptions,
  type ChannelOptions,
  type ClientReadableStream,
  type ServiceDefinition,
  type ServiceError,
} from '@grpc/grpc-js';

/** Per-call settings. */
export interface UnaryCallOptions {
  /** Absolute deadline; the service sees it as the gRPC deadline. */
  deadline?: Date | number;
  metadata?: Metadata;
  /** Told of the call while it is in flight, with the means to cancel it (gRPC CANCELLED) once nobody wants the answer. */
  tracker?: CallTracker;
}

/** Keeps the calls of one request in flight, to cancel them when it is answered. */
export interface CallTracker {
  /** Registers `cancel` for a call in flight; returns what unregisters it once the call is done. */
  track(cancel: () => void): () => void;
}

/**
 * The promise-returning methods of a ts-proto service definition, keyed as in
 * the definition (`batchGetUsers`), each typed from its request and response.
 * Methods that stream their responses are in `ServerStreamApi` instead.
 */
export type UnaryApi<D> = {
  [K in keyof D as D[K] extends { responseStream: true } ? never : K]: D[K] extends {
    requestSerialize: (r: infer Req) => Buffer;
    responseDeserialize: (b: Buffer) => infer Res;
  }
    ? (request: Req, options?: UnaryCallOptions) => Promise<Res>
    : never;
};

/** Settings of a call that streams its responses: no deadline, as the stream lasts as long as its caller wants it. */
export interface StreamCallOptions {
  metadata?: Metadata;
}

/**
 * The server-streaming methods of a ts-proto service definition, keyed as in
 * the definition (`watchNotifications`): each starts the call and returns its
 * stream of responses; `cancel()` ends it (gRPC CANCELLED at the service).
 */
export type ServerStreamApi<D> = {
  [K in keyof D as D[K] extends { responseStream: true } ? K : never]: D[K] extends {
    requestSerialize: (r: infer Req) => Buffer;
    responseDeserialize: (b: Buffer) => infer Res;
  }
    ? (request: Req, options?: StreamCallOptions) => ClientReadableStream<Res>
    : never;
};

/** Observes every call a client makes: counting, timing, tracing. */
export interface UnaryCallObserver {
  /** Called when a call starts; the returned function is called once it ends. */
  onCall(method: string): (error: ServiceError | null) => void;
}

/** A promise-based client of one service, with the channel it owns. */
export interface UnaryClient<D> {
  readonly api: UnaryApi<D>;
  /** The methods that stream their responses, over the same channel. */
  readonly streams: ServerStreamApi<D>;
  readonly address: string;
  /** The underlying grpc-js client, for channel state and `waitForReady`. */
  readonly raw: Client;
  close(): void;
}

export interface CreateUnaryClientOptions {
  channelOptions?: ChannelOptions;
  /**
   * Channels (each its own HTTP/2 connection) the calls are spread over in
   * turn; 1 by default. One connection carries many calls at once; more only
   * help when a single connection's framing is the bottleneck.
   */
  channels?: number;
  observer?: UnaryCallObserver;
}

/** Keepalive and reconnect settings that suit a long-lived channel on a private network. */
export const DEFAULT_CHANNEL_OPTIONS: ChannelOptions = {
  'grpc.keepalive_time_ms': 30_000,
  'grpc.keepalive_timeout_ms': 10_000,
  'grpc.keepalive_permit_without_calls': 1,
  'grpc.initial_reconnect_backoff_ms': 200,
  'grpc.max_reconnect_backoff_ms': 5_000,
};

/**
 * Creates one channel to `address` and a typed, promise-based method for every
 * unary RPC of `definition` (and a stream for every server-streaming one).
 * Create one per service and close it on shutdown.
 */
export function createUnaryClient<D extends ServiceDefinition>(
  definition: D,
  address: string,
  options: CreateUnaryClientOptions = {},
): UnaryClient<D> {
  const count = Math.max(1, Math.floor(options.channels ?? 1));
  const channels = Array.from(
    { length: count },
    () =>
      new Client(address, credentials.createInsecure(), {
        ...DEFAULT_CHANNEL_OPTIONS,
        // Channels to one address share one connection unless each keeps its own subchannels.
        ...(count > 1 ? { 'grpc.use_local_subchannel_pool': 1 } : {}),
        ...options.channelOptions,
      }),
  );
  const client = channels[0]!;
  let turn = 0;
  const next = count === 1 ? () => client : () => channels[(turn = (turn + 1) % count)]!;
  const api: Record<string, (request: unknown, callOptions?: UnaryCallOptions) => Promise<unknown>> = {};
  const streams: Record<string, (request: unknown, callOptions?: StreamCallOptions) => ClientReadableStream<unknown>> = {};
  for (const [key, method] of Object.entries(definition)) {
    if (method.responseStream) {
      streams[key] = (request, callOptions = {}) =>
        client.makeServerStreamRequest(method.path, method.requestSerialize, method.responseDeserialize, request, callOptions.metadata ?? new Metadata());
      continue;
    }
    api[key] = (request, callOptions = {}) =>
      new Promise((resolve, reject) => {
        const done = options.observer?.onCall(method.path);
        const grpcOptions: CallOptions = {};
        if (callOptions.deadline !== undefined) grpcOptions.deadline = callOptions.deadline;
        // Set right after the call starts; grpc-js answers asynchronously, never before.
        let untrack: (() => void) | undefined = undefined;
        const call = next().makeUnaryRequest(
          method.path,
          method.requestSerialize,
          method.responseDeserialize,
          request,
          callOptions.metadata ?? new Metadata(),
          grpcOptions,
          (error, response) => {
            untrack?.();
            done?.(error ?? null);
            if (error) reject(error);
            else resolve(response);
          },
        );
        untrack = callOptions.tracker?.track(() => call.cancel());
      });
  }
  return {
    api: api as UnaryApi<D>,
    streams: streams as ServerStreamApi<D>,
    address,
    raw: client,
    close: () => {
      for (const channel of channels) channel.close();
    },
  };
}

import { createSourceEventStream, execute, type ExecutionArgs, type ExecutionResult } from 'graphql';
import { mapLive } from '../grpc/live-stream.js';

/**
 * graphql-js's `subscribe`, with each event executed under a context of its
 * own. graphql-js resolves every event with the one context the subscription
 * started with (graphql/graphql-js#894), which for this gateway would be one
 * request stretched over hours: its loaders caching stale users and posts,
 * its execution budget spent by the first events and its deadlines long past.
 * Here the subscription starts under `args.contextValue` (the `subscribe`
 * resolver and its permission rule run there, then it is finished), and each
 * event gets `eventContext()`, finished once the event is resolved.
 *
 * Stopping the returned iterator stops the source at once (see `mapLive`),
 * so a client that leaves ends the upstream stream there and then.
 */
export async function subscribeWithEventContexts<C>(
  args: { -readonly [K in keyof ExecutionArgs]: ExecutionArgs[K] },
  eventContext: () => C,
  finish: (context: C) => void,
): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> {
  let source: Awaited<ReturnType<typeof createSourceEventStream>>;
  try {
    source = await createSourceEventStream(args);
  } finally {
    finish(args.contextValue as C);
    // graphql-ws keeps the arguments for as long as the subscription runs; the
    // starting context (its loaders, its service APIs) is not needed again.
    args.contextValue = undefined;
  }
  // The subscription did not start (a permission rule refused it, a variable did not coerce): its errors.
  if (!(Symbol.asyncIterator in source)) return source;
  return mapLive(source[Symbol.asyncIterator](), async (payload) => {
    const contextValue = eventContext();
    try {
      return await execute({ ...args, rootValue: payload, contextValue });
    } finally {
      finish(contextValue);
    }
  });
}

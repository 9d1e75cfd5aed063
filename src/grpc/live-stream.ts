import type { ClientReadableStream } from '@grpc/grpc-js';

/**
 * A live stream of events as an async iterator whose `return()` takes effect
 * at once: a consumer that stops listening (a client that completes its
 * subscription or disconnects) ends the upstream call there and then, even
 * while a `next()` is waiting for an event that may never come. An async
 * generator cannot do that: its `return()` waits behind the pending `next()`.
 */
export type LiveStream<T> = AsyncIterableIterator<T> & { return(): Promise<IteratorResult<T>> };

export interface LiveStreamOptions {
  /** Events held for a consumer that has not asked for them yet; one more ends the stream with `overflow()`. */
  maxBuffered: number;
  /** The error the consumer gets when more than `maxBuffered` events wait for it. */
  overflow: () => Error;
  /** What a failed call (a gRPC status) means for the consumer. */
  failure: (error: unknown) => Error;
}

/**
 * The responses of a server-streaming call as a `LiveStream`. The call is
 * read as fast as it sends, into a buffer of at most `maxBuffered` events:
 * a consumer that falls further behind gets `overflow()` (the events waiting
 * are dropped, since it could not keep up with them anyway) and the call is
 * cancelled. Nothing is ever queued without bound, here or upstream, where a
 * call left unread would fill the service's own buffer instead.
 *
 * A failed call is reported after the events that arrived before it; a call
 * that ends with OK ends the iteration. `return()` cancels the call (the
 * service sees CANCELLED) and settles a waiting `next()` as done.
 */
export function liveStream<T>(call: ClientReadableStream<T>, options: LiveStreamOptions): LiveStream<T> {
  const buffered: T[] = [];
  let waiting: { resolve: (result: IteratorResult<T>) => void; reject: (error: Error) => void } | null = null;
  let failure: Error | null = null;
  let ended = false;

  const settle = (error: Error | null) => {
    if (ended) return;
    ended = true;
    const waiter = waiting;
    waiting = null;
    if (error && waiter) waiter.reject(error);
    else if (error) failure = error;
    else waiter?.resolve({ done: true, value: undefined });
  };

  call.on('data', (value: T) => {
    if (ended) return;
    if (waiting) {
      const waiter = waiting;
      waiting = null;
      waiter.resolve({ done: false, value });
      return;
    }
    if (buffered.length >= options.maxBuffered) {
      buffered.length = 0;
      settle(options.overflow());
      call.cancel();
      return;
    }
    buffered.push(value);
  });
  // After a cancel of our own, grpc-js reports CANCELLED: the stream has already ended then.
  call.on('error', (error: unknown) => settle(options.failure(error)));
  call.on('end', () => settle(null));

  const stream: LiveStream<T> = {
    next() {
      if (buffered.length > 0) return Promise.resolve({ done: false, value: buffered.shift()! });
      if (failure) {
        const error = failure;
        failure = null;
        return Promise.reject(error);
      }
      if (ended) return Promise.resolve({ done: true, value: undefined });
      return new Promise((resolve, reject) => {
        waiting = { resolve, reject };
      });
    },
    return() {
      buffered.length = 0;
      failure = null;
      if (!ended) {
        settle(null);
        call.cancel();
      }
      return Promise.resolve({ done: true, value: undefined });
    },
    async throw(error?: unknown) {
      await stream.return();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return stream;
    },
  };
  return stream;
}

/**
 * `source` with each event passed through `map`, leaving out those it answers
 * `undefined` for; `return()` reaches `source` at once, as `LiveStream`'s does.
 */
export function mapLive<T, U>(source: AsyncIterator<T>, map: (value: T) => U | undefined | Promise<U | undefined>): LiveStream<U> {
  const mapped: LiveStream<U> = {
    async next() {
      for (;;) {
        const result = await source.next();
        if (result.done) return { done: true, value: undefined };
        const value = await map(result.value);
        if (value !== undefined) return { done: false, value };
      }
    },
    async return() {
      await source.return?.();
      return { done: true, value: undefined };
    },
    async throw(error?: unknown) {
      await source.return?.();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return mapped;
    },
  };
  return mapped;
}

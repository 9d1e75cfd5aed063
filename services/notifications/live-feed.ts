import { status, type ServerWritableStream } from '@grpc/grpc-js';
import type { WatchNotificationsRequest, WatchNotificationsResponse } from '../../generated/proto/pinstack/notifications/v1/notifications.js';
import { RpcError } from '../common/errors.js';
import type { Logger } from '../common/logger.js';
import { toNotification } from './messages.js';
import type { NotificationRecord, NotificationRepository } from './repository.js';

/** Responses one stream may have waiting to be sent before it is ended as too slow. */
export const DEFAULT_MAX_PENDING_PER_STREAM = 256;
/** Streams one recipient may have open at once, across every caller. */
export const DEFAULT_MAX_STREAMS_PER_RECIPIENT = 64;

export type WatchStream = ServerWritableStream<WatchNotificationsRequest, WatchNotificationsResponse>;

export interface LiveFeedOptions {
  logger: Logger;
  /** `DEFAULT_MAX_PENDING_PER_STREAM` unless set. */
  maxPendingPerStream?: number;
  /** `DEFAULT_MAX_STREAMS_PER_RECIPIENT` unless set. */
  maxStreamsPerRecipient?: number;
}

/** What a stream asked for. */
interface Watcher {
  readonly call: WatchStream;
  readonly notifications: boolean;
  readonly unreadCount: boolean;
  /** Whether an unread count has been sent: the first one read at attach time is then stale and dropped. */
  countSent: boolean;
  /** Takes the watcher out, once. */
  readonly detach: () => void;
}

/**
 * The live side of the notifications service: who watches whose notifications
 * (WatchNotifications streams), and what they are sent.
 *
 * It sits on the one path every notification is stored through: `observe`
 * wraps the repository, so that whatever stores a notification with it (the
 * CreateNotification handler, a consumer of domain events) feeds the streams
 * of its recipient, and every MarkRead that changes something sends the new
 * unread count. Nothing reaches a stream that was not stored first.
 *
 * Each stream is bounded: a caller that reads more slowly than events arrive
 * has at most `maxPendingPerStream` responses waiting for it; one more ends its
 * stream with RESOURCE_EXHAUSTED, never an unbounded queue.
 */
export class LiveFeed {
  readonly #watchers = new Map<string, Set<Watcher>>();
  /** Per recipient, the unread-count send in progress: sends are chained so that counts arrive in the order they changed. */
  readonly #countSends = new Map<string, Promise<void>>();
  readonly #logger: Logger;
  readonly #maxPending: number;
  readonly #maxStreams: number;
  #counts: Pick<NotificationRepository, 'unreadCount'> | null = null;

  constructor(options: LiveFeedOptions) {
    this.#logger = options.logger;
    this.#maxPending = options.maxPendingPerStream ?? DEFAULT_MAX_PENDING_PER_STREAM;
    this.#maxStreams = options.maxStreamsPerRecipient ?? DEFAULT_MAX_STREAMS_PER_RECIPIENT;
  }

  /**
   * `repository`, with every notification it stores sent to its recipient's
   * streams and every change of an unread count sent to those that asked for
   * it. Hand the service (and anything else that stores notifications) this
   * one, never the repository underneath.
   */
  observe(repository: NotificationRepository): NotificationRepository {
    this.#counts = repository;
    return {
      create: async (notification, sourceEventId) => {
        const result = await repository.create(notification, sourceEventId);
        // A redelivered event stores nothing new, and sends nothing again.
        if (result.created) this.#stored(result.notification);
        return result;
      },
      list: (query) => repository.list(query),
      unreadCount: (recipientId) => repository.unreadCount(recipientId),
      markRead: async (recipientId, ids) => {
        const updated = await repository.markRead(recipientId, ids);
        if (updated > 0) this.#countChanged(recipientId);
        return updated;
      },
    };
  }

  /** Streams open now, for one recipient or for all. */
  watching(recipientId?: string): number {
    if (recipientId !== undefined) return this.#watchers.get(recipientId)?.size ?? 0;
    let total = 0;
    for (const watchers of this.#watchers.values()) total += watchers.size;
    return total;
  }

  /**
   * Sends `recipientId`'s events to `call` from now on, as `request` asks,
   * until the caller cancels or the stream ends; settles then. The caller has
   * been checked to be the recipient.
   */
  watch(recipientId: string, request: Pick<WatchNotificationsRequest, 'notifications' | 'unreadCount'>, call: WatchStream): Promise<void> {
    let watchers = this.#watchers.get(recipientId);
    if ((watchers?.size ?? 0) >= this.#maxStreams) {
      throw new RpcError(status.RESOURCE_EXHAUSTED, `recipient_id already has ${this.#maxStreams} open streams`);
    }
    return new Promise<void>((resolve) => {
      let attached = true;
      const watcher: Watcher = {
        call,
        notifications: request.notifications,
        unreadCount: request.unreadCount,
        countSent: false,
        detach: () => {
          if (!attached) return;
          attached = false;
          const set = this.#watchers.get(recipientId);
          set?.delete(watcher);
          if (set?.size === 0) this.#watchers.delete(recipientId);
          resolve();
        },
      };
      if (!watchers) {
        watchers = new Set();
        this.#watchers.set(recipientId, watchers);
      }
      watchers.add(watcher);
      call.once('cancelled', watcher.detach);
      call.once('finish', watcher.detach);
      call.once('close', watcher.detach);
      // The count as it is now; read after attaching, so no change can fall between it and the stream.
      if (watcher.unreadCount && this.#counts) {
        this.#counts.unreadCount(recipientId).then(
          (unreadCount) => {
            if (attached && !watcher.countSent) this.#send(watcher, { unreadCount });
          },
          (error: unknown) => this.#fail(watcher, error),
        );
      }
    });
  }

  #stored(record: NotificationRecord): void {
    const watchers = this.#watchers.get(record.recipientId);
    if (!watchers) return;
    const message: WatchNotificationsResponse = { notificationAdded: toNotification(record), unreadCount: undefined };
    for (const watcher of [...watchers]) if (watcher.notifications) this.#send(watcher, message);
    if (!record.read) this.#countChanged(record.recipientId);
  }

  #countChanged(recipientId: string): void {
    if (![...(this.#watchers.get(recipientId) ?? [])].some((watcher) => watcher.unreadCount)) return;
    const previous = this.#countSends.get(recipientId) ?? Promise.resolve();
    const sending = previous.then(() => this.#sendCount(recipientId));
    this.#countSends.set(recipientId, sending);
    void sending.finally(() => {
      if (this.#countSends.get(recipientId) === sending) this.#countSends.delete(recipientId);
    });
  }

  async #sendCount(recipientId: string): Promise<void> {
    const watchers = [...(this.#watchers.get(recipientId) ?? [])].filter((watcher) => watcher.unreadCount);
    if (watchers.length === 0 || !this.#counts) return;
    let unreadCount: number;
    try {
      unreadCount = await this.#counts.unreadCount(recipientId);
    } catch (error) {
      for (const watcher of watchers) this.#fail(watcher, error);
      return;
    }
    for (const watcher of watchers) {
      watcher.countSent = true;
      this.#send(watcher, { notificationAdded: undefined, unreadCount });
    }
  }

  /** Writes `message` to the watcher's stream, or ends the stream when too much already waits there. */
  #send(watcher: Watcher, message: WatchNotificationsResponse): void {
    const { call } = watcher;
    if (call.cancelled || call.writableEnded) return watcher.detach();
    if (call.writableLength >= this.#maxPending) {
      this.#end(watcher, new RpcError(status.RESOURCE_EXHAUSTED, `the caller fell ${this.#maxPending} events behind; list, then watch again`));
      return;
    }
    call.write(message);
  }

  #fail(watcher: Watcher, error: unknown): void {
    this.#logger.error({ err: error }, 'watch stream failed');
    this.#end(watcher, new RpcError(status.INTERNAL, 'internal error'));
  }

  #end(watcher: Watcher, error: RpcError): void {
    watcher.detach();
    const { call } = watcher;
    if (!call.cancelled && !call.writableEnded) call.emit('error', error.toStatus());
  }
}

import type { NotificationKind } from '../../generated/proto/pinstack/notifications/v1/notifications.js';

/**
 * Storage contract of the notifications service. The service speaks only to
 * this interface, so the in-memory store can give way to a database without
 * touching a handler.
 */

/** A stored notification. `createdAt` is in epoch milliseconds. */
export interface NotificationRecord {
  /** `ntf_<UUIDv7>` (`newId`): random, time-ordered, never given out twice. */
  readonly id: string;
  /**
   * Position in the order notifications were stored, growing by one each
   * time. Listings sort on it rather than on `createdAt`, so that a clock
   * stepping back can never reorder a recipient's list or break a cursor.
   */
  readonly sequence: number;
  readonly recipientId: string;
  readonly kind: NotificationKind;
  readonly actorId: string;
  /** Empty for kinds that do not concern a post. */
  readonly postId: string;
  readonly read: boolean;
  readonly createdAt: number;
}

/** What a caller supplies to store a notification; the store assigns id and sequence. */
export type NewNotification = Omit<NotificationRecord, 'id' | 'sequence'>;

export interface ListNotificationsQuery {
  recipientId: string;
  /** Only notifications stored before this sequence (older); null from the newest. */
  beforeSequence: number | null;
  limit: number;
  unreadOnly: boolean;
}

/** The outcome of `create`: the notification, and whether this call stored it. */
export interface CreatedNotification {
  readonly notification: NotificationRecord;
  readonly created: boolean;
}

export interface NotificationRepository {
  /**
   * Stores `notification`, made from the event `sourceEventId`, unless one was
   * stored from that event already: then stores nothing and returns that one
   * (`created: false`). Events are delivered at least once; this is what makes
   * a redelivery harmless. The check and the insert are one step (in a
   * database, a unique index on the event id).
   */
  create(notification: NewNotification, sourceEventId: string): Promise<CreatedNotification>;
  /** Up to `limit` of the recipient's notifications, newest first. */
  list(query: ListNotificationsQuery): Promise<NotificationRecord[]>;
  /** How many of the recipient's notifications are unread, in all. */
  unreadCount(recipientId: string): Promise<number>;
  /**
   * Marks the recipient's unread notifications among `ids` as read and returns
   * how many changed. Ids that are unknown, already read, or another
   * recipient's are left alone.
   */
  markRead(recipientId: string, ids: readonly string[]): Promise<number>;
}

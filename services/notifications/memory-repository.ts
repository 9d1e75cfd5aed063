import { newId } from '../common/ids.js';
import type {
  CreatedNotification,
  ListNotificationsQuery,
  NewNotification,
  NotificationRecord,
  NotificationRepository,
} from './repository.js';

/** One recipient's notifications, each list in ascending sequence order. */
interface Inbox {
  all: NotificationRecord[];
  /** The unread subset, kept apart so unread listings and counts never scan read ones. */
  unread: NotificationRecord[];
}

/**
 * Notifications held in process memory: by id, and per recipient as two lists
 * in storage order (all, and unread only). New notifications append, listings
 * and cursors are binary searches, and the unread count is a length.
 */
export class MemoryNotificationRepository implements NotificationRepository {
  readonly #byId = new Map<string, NotificationRecord>();
  readonly #inboxes = new Map<string, Inbox>();
  /** The notification made from each event, by event id: one per event, however often it is delivered. */
  readonly #bySourceEvent = new Map<string, NotificationRecord>();
  #lastSequence = 0;

  /** Starts with `initial`, stored in the order given. */
  constructor(initial: readonly NewNotification[] = []) {
    for (const notification of initial) this.#store(notification);
  }

  async create(notification: NewNotification, sourceEventId: string): Promise<CreatedNotification> {
    const earlier = this.#bySourceEvent.get(sourceEventId);
    // The record may have been marked read since: answer with its current state.
    if (earlier) return { notification: this.#byId.get(earlier.id) ?? earlier, created: false };
    const record = this.#store(notification);
    this.#bySourceEvent.set(sourceEventId, record);
    return { notification: record, created: true };
  }

  async list({ recipientId, beforeSequence, limit, unreadOnly }: ListNotificationsQuery): Promise<NotificationRecord[]> {
    const inbox = this.#inboxes.get(recipientId);
    if (!inbox) return [];
    const source = unreadOnly ? inbox.unread : inbox.all;
    const end = beforeSequence === null ? source.length : indexOfSequence(source, beforeSequence);
    const page: NotificationRecord[] = [];
    for (let i = end - 1; i >= 0 && page.length < limit; i--) page.push(source[i]!);
    return page;
  }

  async unreadCount(recipientId: string): Promise<number> {
    return this.#inboxes.get(recipientId)?.unread.length ?? 0;
  }

  async markRead(recipientId: string, ids: readonly string[]): Promise<number> {
    const inbox = this.#inboxes.get(recipientId);
    if (!inbox) return 0;
    let updated = 0;
    for (const id of new Set(ids)) {
      const notification = this.#byId.get(id);
      if (!notification || notification.recipientId !== recipientId || notification.read) continue;
      // Records are immutable snapshots: swap in a read copy everywhere it is held.
      const read: NotificationRecord = { ...notification, read: true };
      this.#byId.set(id, read);
      inbox.all[indexOfSequence(inbox.all, read.sequence)] = read;
      inbox.unread.splice(indexOfSequence(inbox.unread, read.sequence), 1);
      updated++;
    }
    return updated;
  }

  #store(notification: NewNotification): NotificationRecord {
    const sequence = ++this.#lastSequence;
    // The sequence orders the store and its cursors; the id is random (`newId`),
    // so it neither repeats after a restart nor lets one recipient guess another's.
    const record: NotificationRecord = { ...notification, id: newId('ntf', notification.createdAt), sequence };
    this.#byId.set(record.id, record);
    let inbox = this.#inboxes.get(record.recipientId);
    if (!inbox) {
      inbox = { all: [], unread: [] };
      this.#inboxes.set(record.recipientId, inbox);
    }
    // Sequences only grow, so appending keeps both lists sorted.
    inbox.all.push(record);
    if (!record.read) inbox.unread.push(record);
    return record;
  }
}

/** Index of the first record whose sequence is at least `sequence` (binary search). */
function indexOfSequence(records: readonly NotificationRecord[], sequence: number): number {
  let low = 0;
  let high = records.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (records[mid]!.sequence < sequence) low = mid + 1;
    else high = mid;
  }
  return low;
}

import type { ListNotificationsResponse, Notification } from '../../generated/proto/pinstack/notifications/v1/notifications.js';
import { mapLive, type LiveStream } from '../grpc/live-stream.js';
import type { ServiceApis } from '../grpc/service-apis.js';
import type { ServiceStreams } from '../grpc/service-streams.js';
import type { ItemBudget, PageArgs } from './batching.js';

/**
 * The notifications service as one request sees it: a recipient's page of
 * notifications, marking them read (nothing a profile shows), and, for a
 * subscription, what happens to them from now on.
 */
export class NotificationsSource {
  constructor(
    private readonly api: ServiceApis['notifications'],
    private readonly budget: ItemBudget,
    private readonly streams: ServiceStreams['notifications'],
  ) {}

  /** A page of `recipientId`'s notifications, newest first, with the unread count. */
  async list(recipientId: string, page: PageArgs & { unreadOnly: boolean }): Promise<ListNotificationsResponse> {
    // A page is paid for before it is fetched, like the loaders' batches.
    this.budget.spendItems(page.first);
    return this.api.listNotifications(
      { recipientId, pageSize: page.first, pageToken: page.after ?? '', unreadOnly: page.unreadOnly },
      { fields: { page_token: 'after', page_size: 'first' } },
    );
  }

  /** Marks `recipientId`'s notifications `ids` read; answers how many changed (0, without an RPC, for none). */
  async markRead(recipientId: string, ids: readonly string[]): Promise<number> {
    if (ids.length === 0) return 0;
    return (await this.api.markRead({ recipientId, ids: [...ids] })).updatedCount;
  }

  /**
   * Each notification stored for `recipientId` from now on, however it was
   * created (one WatchNotifications stream, which only the recipient may open).
   * Stopping the iteration ends the stream at the service.
   */
  watchAdded(recipientId: string): LiveStream<Notification> {
    const events = this.streams.watchNotifications({ recipientId, notifications: true, unreadCount: false });
    return mapLive(events, (event) => event.notificationAdded);
  }

  /** `recipientId`'s unread count now, then each time it changes. */
  watchUnreadCount(recipientId: string): LiveStream<number> {
    const events = this.streams.watchNotifications({ recipientId, notifications: false, unreadCount: true });
    return mapLive(events, (event) => event.unreadCount);
  }
}

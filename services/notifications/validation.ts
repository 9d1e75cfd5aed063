import * as rules from '../../platform/rules/index.js';
import { checked } from '../common/validation.js';

/**
 * The notifications service's edge of the shared input rules
 * (platform/rules): ids trimmed, or INVALID_ARGUMENT naming the proto field.
 */

export { requireId } from '../common/validation.js';

/** The ids of a MarkRead: at most `MAX_BATCH_IDS` (a few pages' worth), each trimmed; a bad one is named with its index (`ids[2]`). */
export function checkNotificationIds(ids: readonly string[], field = 'ids'): string[] {
  return checked(rules.idList(ids, rules.MAX_BATCH_IDS), field);
}

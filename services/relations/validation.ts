import * as rules from '../../platform/rules/index.js';
import { checked } from '../common/validation.js';

/**
 * The relations service's edge of the shared input rules
 * (platform/rules): ids trimmed, or INVALID_ARGUMENT naming the proto field.
 */

export { MAX_BATCH_PAGES as MAX_LIST_REQUESTS, MAX_FOLLOWING_PAGE_SIZE } from '../../platform/rules/index.js';

/** A user id, trimmed, or INVALID_ARGUMENT naming `field`. */
export function checkUserId(value: string, field: string): string {
  return checked(rules.id(value), field);
}

/** At most `MAX_BATCH_IDS` user ids, each trimmed; a bad one is named with its index (`user_ids[2]`). */
export function checkUserIds(values: readonly string[], field: string): string[] {
  return checked(rules.idList(values, rules.MAX_BATCH_IDS), field);
}

import { invalidArgument } from './errors.js';
import * as rules from '../../platform/rules/index.js';
import { id, MAX_BATCH_IDS, type Checked } from '../../platform/rules/index.js';

/**
 * The services' edge for the shared input rules (`./rules`): the value a rule
 * accepted, or INVALID_ARGUMENT naming the proto field at fault, as
 * `display_name` or, for a list entry, `ids[3]`.
 *
 * @example const displayName = checked(rules.displayName(request.displayName), 'display_name');
 */
export function checked<T>(result: Checked<T>, field: string): T {
  if (result.ok) return result.value;
  const { index, message } = result.violation;
  const name = index === undefined ? field : `${field}[${index}]`;
  throw invalidArgument(name, `${name} ${message}`);
}

/** An id the request must carry, trimmed, or INVALID_ARGUMENT naming `field`. */
export function requireId(value: string, field: string): string {
  return checked(id(value), field);
}

/**
 * The distinct, non-empty ids of a batch lookup (BatchGetUsers, BatchGetPosts)
 * in first-seen order: an id that names nothing is simply not found.
 * INVALID_ARGUMENT when the request names more than `max`: a caller that big
 * is a bug to fix, not a load to absorb silently.
 */
export function batchIds(ids: readonly string[], field: string, max: number = MAX_BATCH_IDS): string[] {
  if (ids.length > max) throw invalidArgument(field, `${field} may name at most ${max} ids, got ${ids.length}`);
  return [...new Set(ids)].filter((id) => id !== '');
}

// The account fields two services check at their own edge: users when it
// creates or changes a user, auth when it registers one before anything is made.

export function checkUsername(value: string, field = 'username'): string {
  return checked(rules.username(value), field);
}

/** The address in lower case: addresses are unique without regard to case. */
export function checkEmail(value: string, field = 'email'): string {
  return checked(rules.email(value), field);
}

export function checkDisplayName(value: string, field = 'display_name'): string {
  return checked(rules.displayName(value), field);
}

import * as rules from '../../platform/rules/index.js';
import { checked } from '../common/validation.js';

/**
 * The users service's edge of the shared input rules (platform/rules):
 * each function returns the value to store, normalised, or throws
 * INVALID_ARGUMENT naming the proto field. The auth service checks a
 * registration with the same rules before it creates anything.
 */

export { USERNAME_PATTERN } from '../../platform/rules/index.js';

export { checkDisplayName, checkEmail, checkUsername } from '../common/validation.js';

/** An empty bio is allowed: it clears the field. */
export function checkBio(value: string, field = 'bio'): string {
  return checked(rules.bio(value), field);
}

/** An empty URL is allowed: it clears the avatar. Other schemes (`javascript:`, `data:`) are refused. */
export function checkAvatarUrl(value: string, field = 'avatar_url'): string {
  return checked(rules.avatarUrl(value), field);
}

/** What SearchUsers looks for, normalised like the names it matches. */
export function checkSearchQuery(value: string, field = 'query'): string {
  return checked(rules.searchQuery(value), field);
}

import * as rules from '../../platform/rules/index.js';
import { checked } from '../common/validation.js';

/**
 * The auth service's edge of the shared input rules (platform/rules).
 * Register checks every field here before it creates anything, with the very
 * rules the users service and the gateway apply, so a registration one edge
 * accepts is never refused by the next.
 */

export { checkDisplayName, checkEmail, checkUsername } from '../common/validation.js';

/** A new password as typed: 8 to 128 characters, nothing trimmed. */
export function checkPassword(value: string, field = 'password'): string {
  return checked(rules.password(value), field);
}

/** A sign-in address: trimmed and lower-cased, its size checked, not its form (that would tell which accounts exist). */
export function checkSignInEmail(value: string, field = 'email'): string {
  return checked(rules.signInEmail(value), field);
}

/** A sign-in password as typed: its size only. */
export function checkSignInPassword(value: string, field = 'password'): string {
  return checked(rules.signInPassword(value), field);
}

/** A refresh token's size: a wrong one is refused later as UNAUTHENTICATED, an absurd one here. */
export function checkRefreshToken(value: string, field = 'refresh_token'): string {
  return checked(rules.refreshToken(value), field);
}

import { invalidArgument } from '../common/errors.js';
import { hasHiddenControl, hasHiddenControlMultiline, hasVisibleCharacter } from '../common/user-text.js';

/**
 * The rules a profile's fields follow. Each function returns the value to
 * store (trimmed) or throws INVALID_ARGUMENT naming the proto field. The auth
 * service checks a registration with the same rules before it creates anything.
 */

export const USERNAME_PATTERN = /^[A-Za-z0-9_]{3,30}$/;
export const DISPLAY_NAME_MAX_LENGTH = 50;
export const BIO_MAX_LENGTH = 500;
export const AVATAR_URL_MAX_LENGTH = 2048;
/** RFC 5321 limits a forward path to 256 octets, so an address to 254 characters. */
export const EMAIL_MAX_LENGTH = 254;

// Deliberately loose: one @, no spaces, a dot in the domain. Whether an address
// really receives mail is for a confirmation e-mail to find out, not a pattern.
const EMAIL_PATTERN = /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/u;

export function checkUsername(value: string, field = 'username'): string {
  const username = value.trim();
  if (!USERNAME_PATTERN.test(username)) {
    throw invalidArgument(field, `${field} must be 3 to 30 letters, digits or underscores`);
  }
  return username;
}

/** The address in lower case: addresses are unique without regard to case. */
export function checkEmail(value: string, field = 'email'): string {
  const email = value.trim();
  if (email.length > EMAIL_MAX_LENGTH || !EMAIL_PATTERN.test(email)) {
    throw invalidArgument(field, `${field} must be a valid e-mail address`);
  }
  return email.toLowerCase();
}

export function checkDisplayName(value: string, field = 'display_name'): string {
  const displayName = value.trim();
  const length = characterCount(displayName);
  if (length < 1 || length > DISPLAY_NAME_MAX_LENGTH) {
    throw invalidArgument(field, `${field} must be 1 to ${DISPLAY_NAME_MAX_LENGTH} characters`);
  }
  if (hasHiddenControl(displayName)) throw invalidArgument(field, `${field} must not contain control or text-direction characters`);
  if (!hasVisibleCharacter(displayName)) throw invalidArgument(field, `${field} must contain a visible character`);
  return displayName;
}

/** An empty bio is allowed: it clears the field. */
export function checkBio(value: string, field = 'bio'): string {
  const bio = value.trim();
  if (characterCount(bio) > BIO_MAX_LENGTH) {
    throw invalidArgument(field, `${field} must be at most ${BIO_MAX_LENGTH} characters`);
  }
  if (hasHiddenControlMultiline(bio)) throw invalidArgument(field, `${field} must not contain control or text-direction characters`);
  return bio;
}

/** An empty URL is allowed: it clears the avatar. Other schemes (`javascript:`, `data:`) are refused. */
export function checkAvatarUrl(value: string, field = 'avatar_url'): string {
  const url = value.trim();
  if (url === '') return url;
  if (url.length > AVATAR_URL_MAX_LENGTH) {
    throw invalidArgument(field, `${field} must be at most ${AVATAR_URL_MAX_LENGTH} characters`);
  }
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalidArgument(field, `${field} must be an http or https URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw invalidArgument(field, `${field} must be an http or https URL`);
  }
  return url;
}

/** Length in code points, so an emoji counts as one character, as a user would count it. */
export function characterCount(value: string): number {
  return [...value].length;
}

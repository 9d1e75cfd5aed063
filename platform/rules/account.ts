import { ok, refuse, type Checked } from './checked.js';
import {
  EMAIL_MAX_LENGTH,
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  REFRESH_TOKEN_MAX_LENGTH,
  USERNAME_MAX_LENGTH,
  USERNAME_MIN_LENGTH,
} from './limits.js';
import { opaqueText } from './person-text.js';
import { codePointLength } from './text.js';

/** A username: ASCII letters, digits and underscores, so it reads the same everywhere and in a URL. */
export const USERNAME_PATTERN = new RegExp(`^[A-Za-z0-9_]{${USERNAME_MIN_LENGTH},${USERNAME_MAX_LENGTH}}$`);

/** The characters RFC 5322 (3.2.3) allows in an unquoted local part, besides the dots between them. */
const ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~-";
/** One DNS label (RFC 1123 2.1): letters, digits and inner hyphens, 1 to 63 of them. */
const LABEL = '[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?';

/**
 * An e-mail address: an RFC 5322 dot-atom local part (no leading, trailing or
 * doubled dot, no quoted strings), `@`, and a host name of at least two DNS
 * labels. Deliberately ASCII: an internationalised domain is written in its
 * `xn--` form, and addresses stay unique without look-alike characters.
 * Whether an address really receives mail is for a confirmation e-mail to
 * find out, not a pattern.
 */
export const EMAIL_PATTERN = new RegExp(`^[${ATEXT}]+(?:\\.[${ATEXT}]+)*@${LABEL}(?:\\.${LABEL})+$`);

/** A new account's username, trimmed; its case is kept (uniqueness ignores it). */
export function username(raw: string): Checked<string> {
  const value = raw.trim();
  if (!USERNAME_PATTERN.test(value)) {
    return refuse('username', `must be ${USERNAME_MIN_LENGTH} to ${USERNAME_MAX_LENGTH} letters, digits or underscores`);
  }
  return ok(value);
}

/** A new account's e-mail address, trimmed and in lower case: addresses are unique without regard to case. */
export function email(raw: string): Checked<string> {
  const value = raw.trim();
  if (codePointLength(value) > EMAIL_MAX_LENGTH) return refuse('email', `must be at most ${EMAIL_MAX_LENGTH} characters`);
  if (!EMAIL_PATTERN.test(value)) return refuse('email', 'must be a valid e-mail address');
  return ok(value.toLowerCase());
}

/**
 * A new password: 8 to 128 characters, anything allowed, nothing trimmed
 * (spaces may be part of a passphrase). Hashing normalises it (NFKC).
 */
export function password(raw: string): Checked<string> {
  const length = codePointLength(raw);
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    return refuse('password', `must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters`);
  }
  return ok(raw);
}

/**
 * The e-mail address of a sign-in, trimmed and in lower case like `email`, but
 * checked for its size only: a pattern made stricter later must not lock out
 * accounts registered under the looser one.
 */
export function signInEmail(raw: string): Checked<string> {
  const value = opaqueText('email', raw, EMAIL_MAX_LENGTH);
  return value.ok ? ok(value.value.toLowerCase()) : value;
}

/** The password of a sign-in: never empty, never longer than any password can be, kept as typed. */
export function signInPassword(raw: string): Checked<string> {
  if (raw === '') return refuse('password', 'must not be empty');
  if (codePointLength(raw) > PASSWORD_MAX_LENGTH) return refuse('password', `must be at most ${PASSWORD_MAX_LENGTH} characters`);
  return ok(raw);
}

/** A refresh token, as sent: its shape only; whether it holds is for the auth service to tell. */
export function refreshToken(raw: string): Checked<string> {
  if (raw === '') return refuse('refreshToken', 'must not be empty');
  if (codePointLength(raw) > REFRESH_TOKEN_MAX_LENGTH) return refuse('refreshToken', 'is not a refresh token');
  return ok(raw);
}

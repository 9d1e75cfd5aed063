/**
 * The input rules of Pinstack, each written once and used at both edges: the
 * gateway applies them to GraphQL arguments before it sends any RPC
 * (BAD_USER_INPUT naming the argument path), and every service applies them to
 * its requests (INVALID_ARGUMENT naming the proto field). Whatever one edge
 * accepts, the other accepts, with the same normalised value.
 *
 * A rule is a function from the raw value to `Checked<T>`: the value to use,
 * or a `Violation`. It never throws and knows nothing of GraphQL or gRPC; the
 * edges' adapters are `services/common/validation.ts` (services) and
 * `src/validation/rules.ts` (gateway). The folder imports nothing from outside
 * itself, so it can move to a shared package as it is.
 *
 * Limits are named constants in `limits.ts`, lengths in code points.
 */
import { email, password, refreshToken, signInEmail, signInPassword, username } from './account.js';
import { description, imageUrl, title } from './post.js';
import { avatarUrl, bio, displayName, searchQuery } from './profile.js';
import { cursor, id, idempotencyKey, idList, pageSize } from './request.js';

export { ok, refuse, type Checked, type Violation } from './checked.js';
export * from './limits.js';
export { codePointLength, hasHiddenControl, hasHiddenControlMultiline, hasVisibleCharacter, isWellFormed, normalizeText } from './text.js';
export { EMAIL_PATTERN, USERNAME_PATTERN } from './account.js';
export { httpUrl } from './url.js';
export {
  avatarUrl,
  bio,
  cursor,
  description,
  displayName,
  email,
  id,
  idempotencyKey,
  idList,
  imageUrl,
  pageSize,
  password,
  refreshToken,
  searchQuery,
  signInEmail,
  signInPassword,
  title,
  username,
};

/**
 * Every field rule by name. Tests walk it, so a rule added here without cases
 * in the shared table (test/support/input-cases.ts) fails.
 */
export const FIELD_RULES = {
  username,
  email,
  password,
  signInEmail,
  signInPassword,
  refreshToken,
  displayName,
  bio,
  avatarUrl,
  searchQuery,
  title,
  description,
  imageUrl,
  id,
  idList,
  pageSize,
  cursor,
  idempotencyKey,
} as const;

export type FieldRuleName = keyof typeof FIELD_RULES;

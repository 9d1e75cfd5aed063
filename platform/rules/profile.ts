import { ok, refuse, type Checked } from './checked.js';
import { BIO_MAX_LENGTH, DISPLAY_NAME_MAX_LENGTH, SEARCH_QUERY_MAX_LENGTH } from './limits.js';
import { personText } from './person-text.js';
import { codePointLength, normalizeText } from './text.js';
import { httpUrl } from './url.js';

/** The name shown for an account: 1 to 50 characters on one line, something visible among them. */
export function displayName(raw: string): Checked<string> {
  return personText('displayName', raw, { max: DISPLAY_NAME_MAX_LENGTH });
}

/** A bio: up to 500 characters over several lines. An empty bio is allowed: it clears the field. */
export function bio(raw: string): Checked<string> {
  return personText('bio', raw, { max: BIO_MAX_LENGTH, optional: true, multiline: true });
}

/** An avatar: an http(s) URL, or empty (after trimming) to remove it. */
export function avatarUrl(raw: string): Checked<string> {
  return httpUrl('avatarUrl', raw, { optional: true });
}

/**
 * What a user search looks for: 1 to 100 characters, normalised like the
 * names it is matched against, so a decomposed accent still finds them.
 */
export function searchQuery(raw: string): Checked<string> {
  // Only its size is checked: a query is matched, never stored or shown to anyone else.
  const query = normalizeText(raw);
  if (query === '') return refuse('query', 'must not be empty');
  if (codePointLength(query) > SEARCH_QUERY_MAX_LENGTH) return refuse('query', `must be at most ${SEARCH_QUERY_MAX_LENGTH} characters`);
  return ok(query);
}

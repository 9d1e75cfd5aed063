import { ok, refuse, type Checked } from './checked.js';
import { URL_MAX_LENGTH } from './limits.js';
import { codePointLength, hasHiddenControl, isWellFormed } from './text.js';

/**
 * `http://` or `https://` written out, in any case. The WHATWG URL parser
 * also accepts `https:host` and `https:\\host`, which browsers read the same
 * way but people and other parsers do not: refused, so a URL means one thing.
 */
const HTTP_PREFIX = /^https?:\/\//i;
/** White space inside a URL is a mistake (or a trick): it must be percent-encoded. */
const WHITE_SPACE = /\s/u;

/**
 * An http(s) URL of up to 2,048 characters, trimmed and otherwise kept as
 * written. Other schemes (`javascript:`, `data:`, `ftp:`) are refused: these
 * URLs end up in `src` and `href` attributes. With `optional`, an empty value
 * (after trimming) is allowed: it clears the field.
 */
export function httpUrl(field: string, raw: string, { optional = false } = {}): Checked<string> {
  const value = raw.trim();
  if (value === '') return optional ? ok(value) : refuse(field, 'must not be empty');
  if (codePointLength(value) > URL_MAX_LENGTH) return refuse(field, `must be at most ${URL_MAX_LENGTH} characters`);
  if (!HTTP_PREFIX.test(value) || WHITE_SPACE.test(value) || hasHiddenControl(value) || !isWellFormed(value) || !parsesAsHttp(value)) {
    return refuse(field, 'must be an http or https URL');
  }
  return ok(value);
}

function parsesAsHttp(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}

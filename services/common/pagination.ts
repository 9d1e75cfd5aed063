import { invalidArgument } from './errors.js';
import { cursor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, pageSize as pageSizeRule } from '../../platform/rules/index.js';
import { checked } from './validation.js';

export { DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE } from '../../platform/rules/index.js';

/**
 * The page size to use: the default for 0, which is how proto3 sends a
 * `page_size` left unset, else `requested` when the shared rule accepts it (1
 * to `max`), else INVALID_ARGUMENT. A size over `max` is refused, as the
 * gateway refuses it, rather than cut down (which AIP-158 would allow): no
 * caller of ours asks for more, so one that does has a bug to see.
 */
export function pageSize(requested: number, { defaultSize = DEFAULT_PAGE_SIZE, max = MAX_PAGE_SIZE, field = 'page_size' } = {}): number {
  if (requested === 0) return defaultSize;
  return checked(pageSizeRule(requested, max), field);
}

/**
 * Opaque cursors: base64url of a JSON array of sort-key values. Clients must not
 * parse them; services decode them with `decodeCursor`, which rejects anything
 * that is not a cursor they issued with INVALID_ARGUMENT.
 */
export function encodeCursor(key: readonly (string | number)[]): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** Decodes a cursor of `arity` values; an empty token means "from the start" (null). */
export function decodeCursor(token: string, arity: number, field = 'page_token'): (string | number)[] | null {
  if (token === '') return null;
  checked(cursor(token), field);
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8'));
  } catch {
    throw invalidArgument(field, `${field} is not a valid cursor`);
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== arity ||
    !parsed.every((value) => typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value)))
  ) {
    throw invalidArgument(field, `${field} is not a valid cursor`);
  }
  return parsed as (string | number)[];
}

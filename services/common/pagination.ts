import { invalidArgument } from './errors.js';

/** Largest page a list RPC returns, whatever was asked. */
export const MAX_PAGE_SIZE = 100;

/**
 * The page size to use: `requested` when it is between 1 and `max`, the
 * default for 0 (unset in proto3), INVALID_ARGUMENT for anything negative.
 */
export function pageSize(requested: number, { defaultSize = 20, max = MAX_PAGE_SIZE, field = 'page_size' } = {}): number {
  if (requested < 0 || !Number.isInteger(requested)) throw invalidArgument(field, `${field} must be a positive integer`);
  if (requested === 0) return defaultSize;
  return Math.min(requested, max);
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

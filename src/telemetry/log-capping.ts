/** How much of a client-sent value one log line may hold. */
export interface LogCaps {
  /** Longest string kept; a longer one (a key too) is cut, with a marker saying how much was dropped. */
  maxStringLength: number;
  /** Roughly the most JSON characters the whole value may take; entries past it are dropped and counted. */
  maxTotalLength: number;
  /** Deepest nesting kept; a deeper object or list is replaced by a marker. */
  maxDepth: number;
}

/** The caps of logged GraphQL variables: a few lines of text, whatever the client sent. */
export const VARIABLE_LOG_CAPS: LogCaps = { maxStringLength: 256, maxTotalLength: 4_096, maxDepth: 8 };

/** The key under which an object's dropped entries are counted. */
export const TRUNCATED_KEY = '[truncated]';

/**
 * A copy of `value` small enough for one log line: strings (values and keys)
 * cut to `maxStringLength`, nesting cut at `maxDepth`, and entries dropped,
 * and counted, once about `maxTotalLength` characters are spent. The total may
 * run over by one string and the markers, never by what the client sent: a
 * 900 KB variable costs 256 characters.
 */
export function capForLog(value: unknown, caps: LogCaps = VARIABLE_LOG_CAPS): unknown {
  const budget = { left: caps.maxTotalLength };
  return cap(value, caps, budget, 0);
}

function cap(value: unknown, caps: LogCaps, budget: { left: number }, depth: number): unknown {
  if (typeof value === 'string') {
    const kept = cut(value, caps.maxStringLength);
    budget.left -= kept.length + 2;
    return kept;
  }
  if (value === null || typeof value !== 'object') {
    budget.left -= String(value).length;
    return value;
  }
  if (depth >= caps.maxDepth) {
    budget.left -= 12;
    return Array.isArray(value) ? '[deeper list]' : '[deeper object]';
  }
  if (Array.isArray(value)) {
    const items: unknown[] = [];
    for (const item of value) {
      if (budget.left <= 0) {
        items.push(`[${value.length - items.length} more items]`);
        break;
      }
      items.push(cap(item, caps, budget, depth + 1));
    }
    return items;
  }
  const entries = Object.entries(value);
  const kept: Record<string, unknown> = {};
  let count = 0;
  for (const [key, item] of entries) {
    if (budget.left <= 0) {
      kept[TRUNCATED_KEY] = `${entries.length - count} more keys`;
      break;
    }
    const name = cut(key, caps.maxStringLength);
    budget.left -= name.length + 4;
    kept[name] = cap(item, caps, budget, depth + 1);
    count += 1;
  }
  return kept;
}

/** `text` cut to `max` characters, with a marker of how many were dropped. */
function cut(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…[${text.length - max} more characters]`;
}

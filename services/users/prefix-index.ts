interface Entry {
  key: string;
  id: string;
}

/**
 * A sorted list of (key, id) pairs that answers "which ids have a key starting
 * with this prefix" with a binary search instead of a scan of every user.
 * Several entries may share a key, and one id may have several keys.
 */
export class PrefixIndex {
  readonly #entries: Entry[] = [];

  add(key: string, id: string): void {
    this.#entries.splice(this.#lowerBound(key, id), 0, { key, id });
  }

  remove(key: string, id: string): void {
    const at = this.#lowerBound(key, id);
    const entry = this.#entries[at];
    if (entry && entry.key === key && entry.id === id) this.#entries.splice(at, 1);
  }

  /** The ids whose key starts with `prefix`, with the key that matched, in key order. */
  *withPrefix(prefix: string): Generator<Entry> {
    for (let at = this.#lowerBound(prefix, ''); at < this.#entries.length; at++) {
      const entry = this.#entries[at]!;
      if (!entry.key.startsWith(prefix)) return;
      yield entry;
    }
  }

  /** The position of the first entry not less than (key, id). */
  #lowerBound(key: string, id: string): number {
    let low = 0;
    let high = this.#entries.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const entry = this.#entries[middle]!;
      if (entry.key < key || (entry.key === key && entry.id < id)) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

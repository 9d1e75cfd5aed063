import type { Follow, FollowPage } from './repository.js';

/**
 * One user's followers or following, in ascending sequence order. New follows
 * have the highest sequence, so they append; paging newest first walks the
 * array backwards from a binary-searched position.
 */
export class FollowList {
  readonly #follows: Follow[] = [];

  get size(): number {
    return this.#follows.length;
  }

  add(follow: Follow): void {
    const last = this.#follows.at(-1);
    if (!last || last.sequence < follow.sequence) this.#follows.push(follow);
    else this.#follows.splice(this.#indexOf(follow.sequence), 0, follow);
  }

  remove(sequence: number): void {
    const at = this.#indexOf(sequence);
    if (this.#follows[at]?.sequence === sequence) this.#follows.splice(at, 1);
  }

  /** Up to `limit` follows stored before `beforeSequence` (all when null), newest first. */
  page(beforeSequence: number | null, limit: number): FollowPage {
    const end = beforeSequence === null ? this.#follows.length : this.#indexOf(beforeSequence);
    const follows: Follow[] = [];
    for (let at = end - 1; at >= 0 && follows.length < limit; at--) follows.push(this.#follows[at]!);
    return { follows, hasNextPage: end - follows.length > 0 };
  }

  /** The position of the first follow whose sequence is not below `sequence`. */
  #indexOf(sequence: number): number {
    let low = 0;
    let high = this.#follows.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      if (this.#follows[middle]!.sequence < sequence) low = middle + 1;
      else high = middle;
    }
    return low;
  }
}

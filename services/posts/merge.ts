import { compareNewestFirst, type PostPosition, type PostRecord } from './repository.js';

/** A list of posts sorted newest first, read from index `next` on. */
export interface SortedRun {
  readonly posts: readonly PostRecord[];
  next: number;
}

/**
 * The first `limit` posts of the union of `runs`, newest first. Each run is
 * already sorted, so a binary heap holding the head of every run yields the
 * merged order in O(k + limit · log k) for k runs: the cost follows the page
 * size, not the number of posts the authors have. `runs` is consumed.
 */
export function mergeNewestFirst(runs: SortedRun[], limit: number): PostRecord[] {
  const heap = runs.filter((run) => run.next < run.posts.length);
  for (let i = (heap.length >> 1) - 1; i >= 0; i--) siftDown(heap, i);

  const merged: PostRecord[] = [];
  while (merged.length < limit && heap.length > 0) {
    const top = heap[0]!;
    merged.push(top.posts[top.next]!);
    top.next += 1;
    if (top.next === top.posts.length) {
      // The run is spent: move the last run to the root and restore the heap.
      const last = heap.pop()!;
      if (heap.length === 0) break;
      heap[0] = last;
    }
    siftDown(heap, 0);
  }
  return merged;
}

/** Whether run `a`'s head comes before run `b`'s in newest-first order. */
function before(a: SortedRun, b: SortedRun): boolean {
  return compareNewestFirst(a.posts[a.next]!, b.posts[b.next]!) < 0;
}

function siftDown(heap: SortedRun[], index: number): void {
  const size = heap.length;
  let i = index;
  for (;;) {
    const left = 2 * i + 1;
    const right = left + 1;
    let first = i;
    if (left < size && before(heap[left]!, heap[first]!)) first = left;
    if (right < size && before(heap[right]!, heap[first]!)) first = right;
    if (first === i) return;
    [heap[i], heap[first]] = [heap[first]!, heap[i]!];
    i = first;
  }
}

/**
 * Index of the first post in `posts` (sorted newest first) that comes strictly
 * after `position`; `posts.length` when none does. Binary search, so resuming
 * a page deep in a long list costs O(log n).
 */
export function indexAfter(posts: readonly PostRecord[], position: PostPosition): number {
  let low = 0;
  let high = posts.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (compareNewestFirst(posts[mid]!, position) <= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

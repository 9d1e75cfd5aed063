/**
 * The estimated cost of the operations one replica runs at once. A count of
 * requests in flight treats a 2-point lookup like a 5,000-point page of pages:
 * a burst of the most expensive operations the limits allow would each get a
 * place, and together ask more of the services than they can answer within
 * the request budget. Weighted by cost, a replica takes on only so much work.
 *
 * Past the limit an operation is shed (503, `cost-in-flight`) before it runs,
 * unless its client stays within a fair share of the limit (the limit divided
 * among the clients running something) or has nothing running: heavy clients
 * are held back, while light ones, and any operation on its own, still run.
 */
export class CostInFlight {
  readonly #max: number;
  readonly #onShed: (client: string) => void;
  readonly #perClient = new Map<string, number>();
  #total = 0;

  /** `max` 0 turns the limit off (the cost is still counted). */
  /** `onShed` is told of every operation shed, with its client. */
  constructor(max: number, onShed: (client: string) => void = () => {}) {
    this.#max = max;
    this.#onShed = onShed;
  }

  /** The estimated cost of the operations running now. */
  get total(): number {
    return this.#total;
  }

  /**
   * Takes `cost` for `client`'s operation, returning the function that gives
   * it back once the operation is answered (it acts once); or null, counted,
   * when the operation is shed.
   */
  take(client: string, cost: number): (() => void) | null {
    const own = this.#perClient.get(client) ?? 0;
    const share = this.#max / (this.#perClient.size + (own > 0 ? 0 : 1));
    if (this.#max > 0 && own > 0 && this.#total + cost > this.#max && own + cost > share) {
      this.#onShed(client);
      return null;
    }
    this.#total += cost;
    this.#perClient.set(client, own + cost);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      this.#total -= cost;
      const left = (this.#perClient.get(client) ?? cost) - cost;
      // Keyed by client: keep only those with operations running, or the map grows with every address seen.
      if (left > 0) this.#perClient.set(client, left);
      else this.#perClient.delete(client);
    };
  }
}

import { Counter, Gauge, Registry } from 'prom-client';

/**
 * The bus's Prometheus metrics, on the registry of the process that serves
 * `/metrics` (a service's `METRICS_ADDR`, the gateway's operational listener):
 *
 * - `events_published_total{type}`: events stored on the bus;
 * - `events_publish_failures_total{type}`: publishes that failed (the outbox retries them);
 * - `events_consumed_total{consumer,type,outcome}`: deliveries handled, `outcome`
 *   `ack`, `retry`, `dead_letter` or `ignored` (a type or version this build does not read);
 * - `events_redeliveries_total{consumer,type}`: deliveries after the first;
 * - `events_dead_letters_total{consumer,type}`: messages given up on;
 * - `events_consumer_pending{consumer}`: messages the broker holds for a
 *   consumer and has not delivered yet (JetStream's `num_pending`): its lag.
 */
export class EventMetrics {
  readonly published: Counter<'type'>;
  readonly publishFailures: Counter<'type'>;
  readonly consumed: Counter<'consumer' | 'type' | 'outcome'>;
  readonly redeliveries: Counter<'consumer' | 'type'>;
  readonly deadLetters: Counter<'consumer' | 'type'>;
  readonly pending: Gauge<'consumer'>;

  /** Registers on `registry`; a registry of its own when none is given (nobody scrapes it). */
  constructor(registry: Registry = new Registry()) {
    const registers = [registry];
    this.published = new Counter({ name: 'events_published_total', help: 'Domain events stored on the bus, by type.', labelNames: ['type'], registers });
    this.publishFailures = new Counter({ name: 'events_publish_failures_total', help: 'Publishes of domain events that failed and will be retried, by type.', labelNames: ['type'], registers });
    this.consumed = new Counter({
      name: 'events_consumed_total',
      help: 'Deliveries of domain events handled, by consumer, type and outcome (ack, retry, dead_letter, ignored).',
      labelNames: ['consumer', 'type', 'outcome'],
      registers,
    });
    this.redeliveries = new Counter({ name: 'events_redeliveries_total', help: 'Deliveries of a domain event after its first, by consumer and type.', labelNames: ['consumer', 'type'], registers });
    this.deadLetters = new Counter({ name: 'events_dead_letters_total', help: 'Messages a consumer gave up on and sent to the dead letters, by consumer and type.', labelNames: ['consumer', 'type'], registers });
    this.pending = new Gauge({ name: 'events_consumer_pending', help: 'Messages stored for a consumer and not yet delivered to it (its lag).', labelNames: ['consumer'], registers });
  }
}

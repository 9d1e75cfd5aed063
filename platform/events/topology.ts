import type { EventType } from './catalogue.js';

/**
 * Where events live on the broker, all derived from one namespace (`pinstack`
 * by default, `EVENTS_NAMESPACE`), so that a test run or a second environment
 * on the same NATS server never touches another's streams:
 *
 * | what | name |
 * | --- | --- |
 * | an event's subject | `<ns>.events.<type>.v<version>`: `pinstack.events.user.followed.v1` |
 * | the stream of every event | `<NS>_EVENTS`, subjects `<ns>.events.>` |
 * | a dead letter's subject | `<ns>.dead-letters.<consumer>.<type>.v<version>` |
 * | the stream of dead letters | `<NS>_DEAD_LETTERS`, subjects `<ns>.dead-letters.>` |
 * | a durable consumer | `<consumer>-<type>-v<version>`, dots as underscores: `notifications-user_followed-v1` |
 */
export interface EventTopology {
  readonly namespace: string;
  readonly eventsStream: string;
  readonly deadLettersStream: string;
  /** The wildcard of every event subject (`pinstack.events.>`). */
  readonly allEvents: string;
  /** The wildcard of every dead-letter subject. */
  readonly allDeadLetters: string;
  subject(type: EventType, version: number): string;
  deadLetterSubject(consumer: string, type: string, version: number): string;
  durableName(consumer: string, type: EventType, version: number): string;
}

/** The namespace when `EVENTS_NAMESPACE` is unset. */
export const DEFAULT_EVENTS_NAMESPACE = 'pinstack';

/** A namespace is one subject token: letters, digits, `_` and `-`. */
const NAMESPACE = /^[A-Za-z0-9_-]{1,64}$/;
/** A consumer name, part of a durable name and of subjects. */
const CONSUMER = /^[a-z0-9_-]{1,64}$/;

/** The topology of `namespace`; throws when it is not a single subject token. */
export function eventTopology(namespace = DEFAULT_EVENTS_NAMESPACE): EventTopology {
  if (!NAMESPACE.test(namespace)) throw new Error(`the events namespace must be 1 to 64 letters, digits, _ or -, got ${JSON.stringify(namespace)}`);
  const upper = namespace.toUpperCase().replaceAll('-', '_');
  const checkConsumer = (consumer: string) => {
    if (!CONSUMER.test(consumer)) throw new Error(`a consumer name must be 1 to 64 of a-z, 0-9, _ or -, got ${JSON.stringify(consumer)}`);
    return consumer;
  };
  return {
    namespace,
    eventsStream: `${upper}_EVENTS`,
    deadLettersStream: `${upper}_DEAD_LETTERS`,
    allEvents: `${namespace}.events.>`,
    allDeadLetters: `${namespace}.dead-letters.>`,
    subject: (type, version) => `${namespace}.events.${type}.v${version}`,
    deadLetterSubject: (consumer, type, version) => `${namespace}.dead-letters.${checkConsumer(consumer)}.${type}.v${version}`,
    durableName: (consumer, type, version) => `${checkConsumer(consumer)}-${type.replaceAll('.', '_')}-v${version}`,
  };
}

import assert from 'node:assert/strict';
import { ROOT_CONTEXT, SpanKind, propagation, trace } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import {
  captureTrace,
  createEvent,
  type AnyDomainEvent,
  type DeadLetter,
  type DomainEvent,
  type EventBus,
  type EventSubscription,
} from '../../platform/events/index.js';
import { eventually } from '../support/eventually.js';
import { afterEach, beforeEach, describe, it } from '../support/skippable.js';

/** What the contract needs of an implementation: clients of one broker, under a namespace of the run's own. */
export interface BusUnderTest {
  /** A new client of the broker (for JetStream, a connection of its own). */
  connect(): EventBus;
  /** Stores raw bytes on a subject, as a foreign or broken producer would. */
  publishRaw(subject: string, data: Uint8Array): Promise<void>;
  /** Removes what the test left on the broker. */
  cleanup(): Promise<void>;
}

/** Short delays, so that retries and redeliveries happen within a test. */
const FAST = { retryDelaysMs: [50], ackWaitMs: 1_000 } as const;

const followed = (followerId: string, followeeId: string): DomainEvent<'user.followed'> =>
  createEvent({ type: 'user.followed', actor: followerId, subject: followeeId, payload: { followerId, followeeId } });

/**
 * The contract every `EventBus` keeps, run against the in-process bus and
 * against JetStream (test/events/*-bus.test.ts): the services and the gateway
 * rely on exactly this, whichever runs.
 */
export function busContract(name: string, skip: string | false, start: () => Promise<BusUnderTest>): void {
  describe(`${name}: the event bus contract`, { skip }, () => {
    let harness: BusUnderTest;
    let bus: EventBus;
    const opened: EventBus[] = [];
    const subscriptions: EventSubscription[] = [];
    const client = () => {
      const created = harness.connect();
      opened.push(created);
      return created;
    };
    const track = (subscription: EventSubscription) => {
      subscriptions.push(subscription);
      return subscription;
    };

    // Each test on a broker namespace of its own: a durable consumer reads its stream from the start.
    beforeEach(async () => {
      harness = await start();
    });
    afterEach(async () => {
      await Promise.all(subscriptions.splice(0).map((subscription) => subscription.stop()));
      await Promise.all(opened.splice(0).map((opened) => opened.close()));
      await harness.cleanup();
    });

    it('a published event reaches a durable consumer once, with its envelope intact', async () => {
      bus = client();
      const seen: DomainEvent<'user.followed'>[] = [];
      track(await bus.consume({ consumer: 'once', types: ['user.followed'], handle: async (event) => void seen.push(event), ...FAST }));
      const event = followed('usr_1', 'usr_2');
      await bus.publish(event);
      await eventually('the event', () => (seen.length > 0 ? true : undefined));
      const marker = followed('usr_1', 'usr_3');
      await bus.publish(marker);
      await eventually('a later event', () => (seen.length > 1 ? true : undefined));
      assert.deepEqual(seen, [event, marker]);
    });

    it('each consumer gets every event: two consumers of one type both handle it', async () => {
      bus = client();
      const first: string[] = [];
      const second: string[] = [];
      track(await bus.consume({ consumer: 'fan-a', types: ['post.liked'], handle: async (event) => void first.push(event.id), ...FAST }));
      track(await bus.consume({ consumer: 'fan-b', types: ['post.liked'], handle: async (event) => void second.push(event.id), ...FAST }));
      const event = createEvent({ type: 'post.liked', actor: 'usr_4', subject: 'pst_1', payload: { postId: 'pst_1', authorId: 'usr_5', likerId: 'usr_4' } });
      await bus.publish(event);
      await eventually('both consumers', () => (first.length > 0 && second.length > 0 ? true : undefined));
      assert.deepEqual([first, second], [[event.id], [event.id]]);
    });

    it('a consumer handles only the types it asked for', async () => {
      bus = client();
      const seen: string[] = [];
      track(await bus.consume({ consumer: 'picky', types: ['user.unfollowed'], handle: async (event) => void seen.push(event.type), ...FAST }));
      await bus.publish(followed('usr_1', 'usr_9'));
      const unfollowed = createEvent({ type: 'user.unfollowed', actor: 'usr_1', subject: 'usr_9', payload: { followerId: 'usr_1', followeeId: 'usr_9' } });
      await bus.publish(unfollowed);
      await eventually('the unfollow', () => (seen.length > 0 ? true : undefined));
      assert.deepEqual(seen, ['user.unfollowed']);
    });

    it('publishing one event twice (a retried publish) stores it once', async () => {
      bus = client();
      const seen: string[] = [];
      track(await bus.consume({ consumer: 'dedup', types: ['post.created'], handle: async (event) => void seen.push(event.id), ...FAST }));
      const event = createEvent({ type: 'post.created', actor: 'usr_1', subject: 'pst_7', payload: { postId: 'pst_7', authorId: 'usr_1' } });
      await bus.publish(event);
      await bus.publish(event);
      const marker = createEvent({ type: 'post.created', actor: 'usr_1', subject: 'pst_8', payload: { postId: 'pst_8', authorId: 'usr_1' } });
      await bus.publish(marker);
      await eventually('the marker', () => (seen.includes(marker.id) ? true : undefined));
      assert.deepEqual(seen, [event.id, marker.id]);
    });

    it('events published before the consumer first started are delivered to it', async () => {
      bus = client();
      const early = createEvent({ type: 'post.deleted', actor: 'usr_1', subject: 'pst_2', payload: { postId: 'pst_2', authorId: 'usr_1' } });
      await bus.publish(early);
      const seen: string[] = [];
      track(await bus.consume({ consumer: 'late', types: ['post.deleted'], handle: async (event) => void seen.push(event.id), ...FAST }));
      await eventually('the earlier event', () => (seen.length > 0 ? true : undefined));
      assert.deepEqual(seen, [early.id]);
    });

    it('a handler that throws gets the event again, and it is acknowledged once handled', async () => {
      bus = client();
      const attempts: number[] = [];
      let handled = 0;
      const flaky = createEvent({ type: 'profile.updated', actor: 'usr_1', subject: 'usr_1', payload: { userId: 'usr_1', changed: ['bio'] } });
      track(
        await bus.consume({
          consumer: 'retry',
          types: ['profile.updated'],
          handle: async (event, delivery) => {
            attempts.push(delivery.attempt);
            if (event.id === flaky.id && delivery.attempt === 1) throw new Error('the store is briefly down');
            handled++;
          },
          ...FAST,
        }),
      );
      await bus.publish(flaky);
      await eventually('the second attempt', () => (handled > 0 ? true : undefined));
      // A later event proves the consumer went on past it, without a third attempt.
      const after = createEvent({ type: 'profile.updated', actor: 'usr_2', subject: 'usr_2', payload: { userId: 'usr_2', changed: ['bio'] } });
      await bus.publish(after);
      await eventually('the later event', () => (handled > 1 ? true : undefined));
      assert.deepEqual(attempts, [1, 2, 1]);
    });

    it('a poison event ends in the dead letters after max deliveries, and the consumer goes on', async () => {
      bus = client();
      const letters: DeadLetter[] = [];
      track(await bus.watchDeadLetters((letter) => letters.push(letter)));
      const poison = createEvent({ type: 'post.unliked', actor: 'usr_1', subject: 'pst_3', payload: { postId: 'pst_3', authorId: 'usr_2', likerId: 'usr_1' } });
      const attempts: number[] = [];
      const handled: string[] = [];
      track(
        await bus.consume({
          consumer: 'poison',
          types: ['post.unliked'],
          maxDeliver: 3,
          handle: async (event, delivery) => {
            if (event.id === poison.id) {
              attempts.push(delivery.attempt);
              throw new Error('cannot handle this one');
            }
            handled.push(event.id);
          },
          ...FAST,
        }),
      );
      await bus.publish(poison);
      const letter = await eventually('the dead letter', () => letters.find((entry) => entry.eventId === poison.id));
      assert.deepEqual(attempts, [1, 2, 3]);
      assert.equal(letter.consumer, 'poison');
      assert.equal(letter.deliveries, 3);
      assert.equal(letter.subject, bus.topology.subject('post.unliked', 1));
      assert.match(letter.reason, /cannot handle this one/);
      assert.equal((JSON.parse(new TextDecoder().decode(letter.data)) as AnyDomainEvent).id, poison.id);
      const healthy = createEvent({ type: 'post.unliked', actor: 'usr_1', subject: 'pst_4', payload: { postId: 'pst_4', authorId: 'usr_2', likerId: 'usr_1' } });
      await bus.publish(healthy);
      await eventually('the next event', () => (handled.includes(healthy.id) ? true : undefined));
      assert.deepEqual(attempts, [1, 2, 3]);
    });

    it('a message that is not an event goes to the dead letters at once, unhandled', async () => {
      bus = client();
      const letters: DeadLetter[] = [];
      track(await bus.watchDeadLetters((letter) => letters.push(letter)));
      let calls = 0;
      track(await bus.consume({ consumer: 'garbage', types: ['user.followed'], handle: async () => void calls++, ...FAST }));
      await harness.publishRaw(bus.topology.subject('user.followed', 1), new TextEncoder().encode('{"not":"an event"}'));
      const letter = await eventually('the dead letter', () => letters.find((entry) => entry.consumer === 'garbage'));
      assert.equal(letter.deliveries, 1);
      assert.equal(new TextDecoder().decode(letter.data), '{"not":"an event"}');
      assert.equal(calls, 0);
    });

    it('a consumer killed before it acknowledged gets the event again when it starts again; acknowledged events do not come again', async () => {
      const publisher = client();
      const consumerName = 'crash';
      const handledIds: string[] = [];
      const first = followed('usr_10', 'usr_11');
      const second = followed('usr_10', 'usr_12');
      await publisher.publish(first);
      await publisher.publish(second);

      // The first process handles `first`, then dies while handling `second`: written, not acknowledged.
      const doomed = client();
      let release!: () => void;
      const stuck = new Promise<void>((resolve) => (release = resolve));
      await doomed.consume({
        consumer: consumerName,
        types: ['user.followed'],
        handle: async (event) => {
          handledIds.push(event.id);
          if (event.id === second.id) await stuck;
        },
        ...FAST,
      });
      await eventually('the second event in the doomed consumer', () => (handledIds.includes(second.id) ? true : undefined));
      await doomed.close();
      release();

      const restarted = client();
      const redelivered: { id: string; attempt: number }[] = [];
      track(await restarted.consume({ consumer: consumerName, types: ['user.followed'], handle: async (event, delivery) => void redelivered.push({ id: event.id, attempt: delivery.attempt }), ...FAST }));
      await eventually('the redelivery', () => (redelivered.length > 0 ? true : undefined));
      const third = followed('usr_10', 'usr_13');
      await publisher.publish(third);
      await eventually('the next event', () => (redelivered.some((entry) => entry.id === third.id) ? true : undefined));
      assert.deepEqual(redelivered, [
        { id: second.id, attempt: 2 },
        { id: third.id, attempt: 1 },
      ]);
    });

    it('a watch sees events published after it started, in order, and not those before', async () => {
      bus = client();
      const earlier = followed('usr_20', 'usr_21');
      await bus.publish(earlier);
      const seen: string[] = [];
      track(await bus.watch({ handle: (event) => void seen.push(event.id) }));
      // JetStream's ordered consumer starts asynchronously: wait until it is delivering before the events that count.
      await eventually('the watch to start', async () => {
        await bus.publish(followed('usr_20', 'usr_29'));
        return seen.length > 0 ? true : undefined;
      });
      assert.ok(!seen.includes(earlier.id), 'an event published before the watch started was seen');
      seen.length = 0;
      const events = [followed('usr_20', 'usr_22'), createEvent({ type: 'profile.updated', actor: 'usr_20', subject: 'usr_20', payload: { userId: 'usr_20', changed: ['displayName'] } })];
      for (const event of events) await bus.publish(event);
      await eventually('both events', () => (seen.includes(events[1]!.id) ? true : undefined));
      assert.deepEqual(
        seen.filter((id) => events.some((event) => event.id === id)),
        events.map((event) => event.id),
      );
    });

    it('a watch since a time replays the events stored from then', async () => {
      bus = client();
      const since = new Date(Date.now() - 1_000);
      const before = followed('usr_30', 'usr_31');
      await bus.publish(before);
      const seen: string[] = [];
      track(await bus.watch({ since, handle: (event) => void seen.push(event.id) }));
      await eventually('the replayed event', () => (seen.includes(before.id) ? true : undefined));
    });

    it('the publish and the handling are spans of the trace that caused the event', async () => {
      const exporter = new InMemorySpanExporter();
      const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
      trace.setGlobalTracerProvider(provider);
      propagation.setGlobalPropagator(new W3CTraceContextPropagator());
      try {
        bus = client();
        const handled: string[] = [];
        track(await bus.consume({ consumer: 'traced', types: ['user.followed'], handle: async (event) => void handled.push(event.id), ...FAST }));
        const request = provider.getTracer('test').startSpan('POST /graphql');
        const carrier = captureTrace(trace.setSpan(ROOT_CONTEXT, request));
        const event = followed('usr_40', 'usr_41');
        await bus.publish(event, { trace: carrier });
        request.end();
        await eventually('the handling', () => (handled.length > 0 ? true : undefined));
        const spans = await eventually('the consumer span', () => {
          const all = exporter.getFinishedSpans();
          return all.some((span) => span.kind === SpanKind.CONSUMER) ? all : undefined;
        });
        const publish = spans.find((span) => span.kind === SpanKind.PRODUCER)!;
        const consume = spans.find((span) => span.kind === SpanKind.CONSUMER)!;
        const requestContext = request.spanContext();
        assert.equal(publish.spanContext().traceId, requestContext.traceId);
        assert.equal(publish.parentSpanContext?.spanId, requestContext.spanId);
        assert.equal(consume.spanContext().traceId, requestContext.traceId);
        assert.equal(consume.parentSpanContext?.spanId, publish.spanContext().spanId);
        assert.equal(consume.attributes['messaging.message.id'], event.id);
      } finally {
        trace.disable();
        propagation.disable();
        await provider.shutdown();
      }
    });
  });
}

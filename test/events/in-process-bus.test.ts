import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { createEvent, EventMetrics, InProcessBroker, type DeadLetter } from '../../platform/events/index.js';
import { eventually } from '../support/eventually.js';
import { testNamespace } from '../support/nats.js';
import { busContract } from './bus-contract.js';

busContract('in-process bus', false, async () => {
  const broker = new InProcessBroker({ namespace: testNamespace('in-process') });
  return {
    connect: () => broker.client(),
    publishRaw: async (subject, data) => void broker.store(subject, data, {}),
    cleanup: async () => {},
  };
});


describe('event metrics', () => {
  it('count what was published and, per consumer and type, acknowledged, redelivered and dead-lettered, and the lag', async () => {
    const registry = new Registry();
    const bus = new InProcessBroker({ namespace: testNamespace('metrics') }).client({ metrics: new EventMetrics(registry) });
    const letters: DeadLetter[] = [];
    const poison = createEvent({ type: 'post.liked', actor: 'usr_1', subject: 'pst_1', payload: { postId: 'pst_1', authorId: 'usr_2', likerId: 'usr_1' } });
    const fine = createEvent({ type: 'post.liked', actor: 'usr_1', subject: 'pst_2', payload: { postId: 'pst_2', authorId: 'usr_2', likerId: 'usr_1' } });
    await bus.publish(poison);
    await bus.publish(fine);
    const deadLetters = await bus.watchDeadLetters((letter) => letters.push(letter));
    const consumer = await bus.consume({
      consumer: 'counted',
      types: ['post.liked'],
      maxDeliver: 2,
      retryDelaysMs: [10],
      handle: async (event) => {
        if (event.id === poison.id) throw new Error('poison');
      },
    });
    await eventually('the dead letter', () => (letters.length > 0 ? true : undefined));
    await consumer.stop();
    await deadLetters.stop();
    await bus.close();
    const text = await registry.metrics();
    const value = (line: string) => Number(new RegExp(`^${line.replace(/[{}"]/g, '\\$&')} (\\S+)$`, 'm').exec(text)?.[1]);
    assert.equal(value('events_published_total{type="post.liked"}'), 2);
    assert.equal(value('events_consumed_total{consumer="counted",type="post.liked",outcome="ack"}'), 1);
    assert.equal(value('events_consumed_total{consumer="counted",type="post.liked",outcome="retry"}'), 1);
    assert.equal(value('events_consumed_total{consumer="counted",type="post.liked",outcome="dead_letter"}'), 1);
    assert.equal(value('events_redeliveries_total{consumer="counted",type="post.liked"}'), 1);
    assert.equal(value('events_dead_letters_total{consumer="counted",type="post.liked"}'), 1);
    assert.equal(value('events_consumer_pending{consumer="counted"}'), 0);
  });
});

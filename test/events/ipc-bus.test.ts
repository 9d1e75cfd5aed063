import assert from 'node:assert/strict';
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import { createEvent, createEventBus, eventBusSettingsFromEnv, EventBusHub, IpcEventBus, ipcChannel } from '../../platform/events/index.js';
import { eventually } from '../support/eventually.js';
import { testNamespace } from '../support/nats.js';
import { busContract } from './bus-contract.js';

/*
 * The event bus `npm start` gives its children without NATS_URL: the launcher
 * holds an in-process broker (`EventBusHub`), each child reaches it through an
 * `IpcEventBus` over its IPC channel. Both ends here are real processes joined
 * by a real channel (child_process.fork).
 */

const SUPPORT = join(import.meta.dirname, '..', 'support');

/**
 * Forks `script` (TypeScript, through tsx) with an IPC channel, tells
 * `onFork` (before the child can send anything), and waits until it says it is ready (`{ fixture }`).
 */
async function forkFixture(script: string, env: NodeJS.ProcessEnv = {}, onFork: (child: ChildProcess) => void = () => {}): Promise<{ child: ChildProcess; lines: string[] }> {
  const { NODE_TEST_CONTEXT: _context, ...inherited } = process.env;
  const child = fork(join(SUPPORT, script), { execArgv: ['--import', 'tsx'], env: { ...inherited, ...env }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  onFork(child);
  const lines: string[] = [];
  createInterface({ input: child.stdout! }).on('line', (line) => lines.push(line));
  // The bus's own messages share the channel: only the fixture's say it is ready.
  const ready = new Promise<void>((resolve) => {
    const listener = (message: { fixture?: string }) => {
      if (message.fixture === undefined) return;
      child.off('message', listener);
      resolve();
    };
    child.on('message', listener);
  });
  await Promise.race([ready, once(child, 'exit').then(() => assert.fail(`${script} exited while starting`))]);
  return { child, lines };
}

async function ended(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exit = once(child, 'exit');
  child.kill('SIGKILL');
  await exit;
}

busContract('the launcher’s bus over IPC', false, async () => {
  const namespace = testNamespace('ipc');
  const { child } = await forkFixture('event-hub-process.ts');
  let stored = 0;
  return {
    connect: () => new IpcEventBus({ channel: ipcChannel(child), namespace }),
    publishRaw: async (subject, data) => {
      const id = ++stored;
      const done = new Promise<void>((resolve) => {
        const listener = (message: { fixture?: string; id?: number }) => {
          if (message.fixture !== 'stored' || message.id !== id) return;
          child.off('message', listener);
          resolve();
        };
        child.on('message', listener);
      });
      child.send({ fixture: 'publish-raw', id, subject, data: Buffer.from(data).toString('base64') });
      await done;
    },
    cleanup: () => ended(child),
  };
});

describe('the launcher’s bus over IPC, across processes', () => {
  const children: ChildProcess[] = [];
  after(async () => {
    await Promise.all(children.map(ended));
  });

  it('a consumer process killed before it acknowledged: the event comes again to the process that consumes next, once', async () => {
    const namespace = testNamespace('ipc-crash');
    const hub = new EventBusHub({ namespace });
    const publisher = hub.broker.client();
    const serveNext = async (env: NodeJS.ProcessEnv) => {
      return forkFixture('event-consumer-process.ts', { EVENTS_NAMESPACE: namespace, ...env }, (child) => {
        children.push(child);
        hub.serveChild(child);
      });
    };
    const deliveries = (lines: string[]) => lines.map((line) => JSON.parse(line) as { subject: string; attempt: number });
    const followed = (followeeId: string) =>
      createEvent({ type: 'user.followed', actor: 'usr_1', subject: followeeId, payload: { followerId: 'usr_1', followeeId } });

    const doomed = await serveNext({ HANG_ON: 'usr_hang' });
    await publisher.publish(followed('usr_hang'));
    await eventually('the delivery to the doomed process', () => (deliveries(doomed.lines).length > 0 ? true : undefined));
    await ended(doomed.child);

    const restarted = await serveNext({});
    await eventually('the redelivery', () => (deliveries(restarted.lines).length > 0 ? true : undefined));
    await publisher.publish(followed('usr_next'));
    await eventually('the next event', () => (deliveries(restarted.lines).some((entry) => entry.subject === 'usr_next') ? true : undefined));
    assert.deepEqual(deliveries(doomed.lines), [{ subject: 'usr_hang', attempt: 1 }]);
    assert.deepEqual(deliveries(restarted.lines), [
      { subject: 'usr_hang', attempt: 2 },
      { subject: 'usr_next', attempt: 1 },
    ]);
    await publisher.close();
  });
});

describe('choosing the launcher’s bus', () => {
  it('EVENTS_BUS takes only `launcher`, and a process without a launcher’s IPC channel refuses it instead of running a bus nobody shares', () => {
    assert.throws(() => eventBusSettingsFromEnv({ EVENTS_BUS: 'kafka' }), (error: Error & { code?: string }) => error.code === 'EVENT_BUS_SETTINGS');
    const settings = eventBusSettingsFromEnv({ EVENTS_BUS: 'launcher' });
    assert.deepEqual({ natsUrl: settings.natsUrl, launcher: settings.launcher }, { natsUrl: null, launcher: true });
    const logger = { info() {}, warn() {}, error() {} };
    if (process.channel) assert.fail('this test runs in a process with an IPC channel of its own');
    assert.throws(() => createEventBus(settings, { name: 'test', logger }), (error: Error & { code?: string }) => error.code === 'EVENT_BUS_SETTINGS');
  });
});

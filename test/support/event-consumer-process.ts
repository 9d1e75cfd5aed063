/**
 * A child process consuming `user.followed` through the launcher's event bus
 * over its IPC channel, as the notifications service does under `npm start`.
 * It prints each delivery as a JSON line (`{"subject":…,"attempt":…}`) and
 * never finishes handling an event whose subject is `HANG_ON`: killing it
 * then is a consumer dying before it acknowledged. Says `{ fixture: 'consuming' }` once registered.
 */
import { IpcEventBus, ipcChannel } from '../../platform/events/index.js';

const bus = new IpcEventBus({ channel: ipcChannel(process), namespace: process.env.EVENTS_NAMESPACE });
await bus.consume({
  consumer: 'crash-test',
  types: ['user.followed'],
  retryDelaysMs: [50],
  handle: async (event, delivery) => {
    process.stdout.write(`${JSON.stringify({ subject: event.subject, attempt: delivery.attempt })}\n`);
    if (event.subject === process.env.HANG_ON) await new Promise(() => {});
  },
});
process.send!({ fixture: 'consuming' });

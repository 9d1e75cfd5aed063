/**
 * A process that holds the launcher's event bus (`EventBusHub`) for the
 * process that forked it, as `npm start` does for its children: the IPC
 * bus's tests run their clients against it across a real IPC channel. Besides
 * the bus's own messages it answers `{ fixture: 'publish-raw' }`, storing
 * bytes as a broken producer would, and says `{ fixture: 'ready' }` once serving.
 */
import { EventBusHub, ipcChannel } from '../../platform/events/index.js';

const hub = new EventBusHub();
hub.serve(ipcChannel(process));
process.on('message', (message: { fixture?: string; id?: number; subject?: string; data?: string }) => {
  if (message.fixture !== 'publish-raw') return;
  hub.broker.store(message.subject!, new Uint8Array(Buffer.from(message.data!, 'base64')), {});
  process.send!({ fixture: 'stored', id: message.id });
});
// Held only for its parent: gone with it.
process.on('disconnect', () => process.exit(0));
process.send!({ fixture: 'ready' });

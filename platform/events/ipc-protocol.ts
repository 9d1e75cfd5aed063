import type { ChildProcess } from 'node:child_process';
import type { TraceCarrier } from './bus.js';
import type { DeliveryOutcome } from './delivery.js';

/**
 * The messages between the launcher's event bus (`ipc-hub.ts`) and its
 * children's clients (`ipc-bus.ts`), over the IPC channel of each child. Every
 * message is tagged, so the channel may carry others; `client` tells the buses
 * of one process apart. Bytes travel as base64: the channel speaks JSON.
 */
export const IPC_TAG = 'pinstack-events';

/** What a client asks of the hub; each request gets one `reply`. */
export type ClientRequest =
  | { op: 'publish'; subject: string; data: string; headers: TraceCarrier; messageId?: string }
  | { op: 'consume'; sub: number; consumer: string; durables: { durable: string; subject: string }[] }
  | { op: 'watch'; sub: number; prefix: string; since?: number }
  | { op: 'watch-dead-letters'; sub: number }
  | { op: 'stop'; sub: number }
  | { op: 'close' };

export type ClientMessage =
  | ({ tag: typeof IPC_TAG; client: string; request: number } & ClientRequest)
  /** The outcome of a delivery: the hub acknowledges, redelivers later or dead-letters. */
  | { tag: typeof IPC_TAG; client: string; op: 'settle'; delivery: number; outcome: DeliveryOutcome };

export interface WireDeadLetter {
  consumer: string;
  subject: string;
  data: string;
  deliveries: number;
  reason: string;
  eventId?: string;
}

export type HubMessage = { tag: typeof IPC_TAG; client: string } & (
  | { op: 'reply'; request: number; error?: string }
  | { op: 'deliver'; sub: number; delivery: number; subject: string; data: string; headers: TraceCarrier; attempt: number }
  | { op: 'pending'; sub: number; count: number }
  | { op: 'event'; sub: number; subject: string; data: string }
  | { op: 'dead-letter'; sub: number; letter: WireDeadLetter }
);

/** One end of an IPC channel, as either side uses it. */
export interface MessageChannel {
  /** Sends `message`; dropped when the channel is closed. */
  send(message: ClientMessage | HubMessage): void;
  /** Calls `listener` with each message received; returns how to stop. */
  onMessage(listener: (message: unknown) => void): () => void;
  /** Calls `listener` once the channel closes (the other process ended); returns how to stop. */
  onClose(listener: () => void): () => void;
  readonly connected: boolean;
}

/** The IPC channel of `target`: this process's own (to its parent), or a child's. */
export function ipcChannel(target: NodeJS.Process | ChildProcess): MessageChannel {
  return {
    send(message) {
      // With a callback, a channel closed under the send reports to it instead of throwing an 'error' event.
      if (target.connected) target.send?.(message, undefined, undefined, () => {});
    },
    onMessage(listener) {
      target.on('message', listener);
      return () => void target.off('message', listener);
    },
    onClose(listener) {
      target.on('disconnect', listener);
      return () => void target.off('disconnect', listener);
    },
    get connected() {
      return target.connected === true;
    },

  };
}

export function isTagged(message: unknown): message is { tag: typeof IPC_TAG; client: string } {
  return typeof message === 'object' && message !== null && (message as { tag?: unknown }).tag === IPC_TAG;
}

export const toBase64 = (data: Uint8Array): string => Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('base64');
export const fromBase64 = (data: string): Uint8Array => new Uint8Array(Buffer.from(data, 'base64'));

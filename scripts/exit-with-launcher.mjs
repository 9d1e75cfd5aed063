/**
 * Preloaded (`node --import`) into every process the local launcher starts
 * (scripts/stack.mjs): when the launcher is gone, this process stops too.
 *
 * The launcher starts each child in a process group of its own (so that Ctrl-C
 * reaches the launcher alone, and it can stop the gateway before the
 * services), and with an IPC channel. A signal the launcher can catch makes it
 * stop its children in order; but a launcher that dies without a word
 * (SIGKILL, a crash in native code, the OOM killer) cannot, and its children
 * would run on holding their ports. The kernel closes the channel whatever
 * ends the launcher, so its `disconnect` is the one notice that always comes.
 * It raises SIGTERM here, so the process shuts down as it would on a signal:
 * the gateway drains, the services finish their calls.
 */

/** How long the process may take to shut down on its own before it is ended outright. */
const ORPHAN_GRACE_MS = 30_000;

if (process.channel) {
  process.once('disconnect', () => {
    setTimeout(() => process.exit(1), ORPHAN_GRACE_MS).unref();
    process.kill(process.pid, 'SIGTERM');
  });
  // The channel is only a notice: it must not keep an otherwise finished process alive.
  process.channel.unref();
}

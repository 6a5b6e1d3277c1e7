/**
 * Preloaded into every service process `fedplane start` runs (`node --import <this file>`): the
 * launcher opens an IPC channel to each child, and when that channel closes without a clean stop
 * (the launcher was SIGKILLed, or crashed) the service gets SIGTERM and drains as usual, so no
 * service outlives its launcher. The channel is unref'd: it never keeps a service alive.
 */
const channel = process.channel;
if (channel !== undefined) {
  channel.unref();
  process.once('disconnect', () => process.kill(process.pid, 'SIGTERM'));
}

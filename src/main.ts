import { ConfigError, loadConfig } from './config/index.js';
import { startGateway } from './gateway.js';
import { createGatewayLogger } from './telemetry/logger.js';
import { shutdownTelemetry } from '../platform/telemetry.js';

/**
 * The gateway process: reads its settings, starts serving, and on SIGTERM or
 * SIGINT drains in-flight requests before exiting 0.
 */
async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`gateway: refusing to start: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createGatewayLogger(config.logLevel);
  const gateway = await startGateway(config, { logger });
  logger.info({ url: gateway.url, production: config.production }, `gateway ready at ${gateway.url}`);

  let stopping = false;
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'gateway shutting down');
    await gateway.stop();
    // Last, so that the spans of the requests that just drained are sent too.
    await shutdownTelemetry();
    process.exit(0);
  };
  process.once('SIGTERM', (signal) => void stop(signal));
  process.once('SIGINT', (signal) => void stop(signal));
}

main().catch((error: unknown) => {
  console.error('gateway: failed to start:', error);
  process.exit(1);
});

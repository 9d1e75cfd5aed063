/**
 * Tracing for a reference service process; load it before the service:
 *
 *   node --import ./dist/services/common/instrumentation.js dist/services/users/main.js
 *
 * The service is named after its entry point (`pinstack-users`) unless
 * `OTEL_SERVICE_NAME` says otherwise.
 */
import { GrpcInstrumentation } from '@opentelemetry/instrumentation-grpc';
import { startTelemetry } from '../../platform/telemetry.js';

const entry = /services[/\\]([^/\\]+)[/\\]main\.[jt]s$/.exec(process.argv[1] ?? '');

startTelemetry({
  serviceName: `pinstack-${entry?.[1] ?? 'service'}`,
  instrumentations: () => [new GrpcInstrumentation()],
});

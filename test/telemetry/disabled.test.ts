import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { OtlpReceiver } from './otlp-receiver.js';
import { freePort, startTraced, waitUntil, type TracedProcess } from './processes.js';

describe('tracing switched off with OTEL_SDK_DISABLED', () => {
  let receiver: OtlpReceiver;
  let gateway: TracedProcess;
  let url: string;

  before(async () => {
    receiver = await OtlpReceiver.start();
    const [port, adminPort] = await Promise.all([freePort(), freePort()]);
    gateway = startTraced('src/main.ts', 'src/instrumentation.ts', {
      OTEL_SDK_DISABLED: 'true',
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.endpoint,
      OTEL_BSP_SCHEDULE_DELAY: '100',
      HOST: '127.0.0.1',
      PORT: String(port),
      ADMIN_PORT: String(adminPort),
      LOG_LEVEL: 'info',
    });
    url = `http://127.0.0.1:${port}/graphql`;
    await waitUntil('the gateway to answer /healthz', async () => {
      if (gateway.child.exitCode !== null) throw new Error(`gateway exited: ${gateway.lines.join('\n')}`);
      return (await fetch(`http://127.0.0.1:${adminPort}/healthz`).catch(() => null))?.ok;
    });
  });

  after(async () => {
    await gateway?.stop();
    await receiver?.close();
  });

  it('the gateway answers, logs without trace ids, exports no span, and still exits 0', async () => {
    const traceId = randomBytes(16).toString('hex');
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`, 'x-request-id': `off-${traceId}` },
      body: JSON.stringify({ query: 'query Typename { __typename }' }),
    });
    assert.deepEqual(((await response.json()) as { data: unknown }).data, { __typename: 'Query' });
    const line = await waitUntil('the request’s log line', () => gateway.lines.find((text) => text.includes(`off-${traceId}`)));
    const record = JSON.parse(line) as Record<string, unknown>;
    assert.equal(record.operationName, 'Typename');
    assert.equal(record.trace_id, undefined);

    gateway.child.kill('SIGTERM');
    assert.equal(await gateway.exited, 0);
    // Had tracing run, shutdown would have flushed this request's spans before exiting.
    assert.deepEqual(receiver.spans, []);
  });
});

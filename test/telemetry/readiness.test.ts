import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ServiceClients } from '../../src/grpc/service-clients.js';
import { readiness } from '../../src/http/readiness.js';

// No service channels: these cases are about the extra checks alone.
const NO_SERVICES = {} as ServiceClients;
const healthy = async () => true;
const down = async () => false;
const broken = async (): Promise<boolean> => {
  throw new Error('connection reset');
};
const hanging = () => new Promise<boolean>(() => {});

describe('readiness', () => {
  it('a failing required check makes the gateway unready and is named in failing', async () => {
    const report = await readiness(NO_SERVICES, 1_000, { redis: { check: down, required: true } });
    assert.deepEqual(report, { ready: false, failing: ['redis'], degraded: [] });
  });

  it('a failing optional check leaves the gateway ready and is named in degraded', async () => {
    const report = await readiness(NO_SERVICES, 1_000, { redis: { check: broken, required: false } });
    assert.deepEqual(report, { ready: true, failing: [], degraded: ['redis'] });
  });

  it('a check that never answers fails once the bound runs out', async () => {
    const report = await readiness(NO_SERVICES, 20, { redis: { check: hanging, required: true }, other: { check: healthy, required: true } });
    assert.deepEqual(report, { ready: false, failing: ['redis'], degraded: [] });
  });
});

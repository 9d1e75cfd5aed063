import { connect } from '@nats-io/transport-node';
import { JetStreamBus } from '../../platform/events/index.js';
import { createLogger } from '../../services/common/logger.js';
import { deleteNamespace, natsSkipReason, testNamespace, TEST_NATS_URL } from '../support/nats.js';
import { eventually } from '../support/eventually.js';
import { busContract } from './bus-contract.js';

const skip = await natsSkipReason();

busContract('JetStream bus', skip, async () => {
  const namespace = testNamespace('jetstream');
  const raw = await connect({ servers: TEST_NATS_URL });
  return {
    connect: () => new JetStreamBus({ url: TEST_NATS_URL, namespace, name: 'bus-contract', logger: createLogger('events'), publishTimeoutMs: 5_000 }),
    // Once the stream exists (a bus declares it when it connects), as it answers the publish.
    publishRaw: (subject, data) => eventually('the stream to store a message', () => raw.request(subject, data, { timeout: 5_000 }).then(() => true, () => undefined)).then(() => undefined),
    cleanup: async () => {
      await raw.close();
      await deleteNamespace(namespace);
    },
  };
});

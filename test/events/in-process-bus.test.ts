import { InProcessBroker } from '../../platform/events/index.js';
import { testNamespace } from '../support/nats.js';
import { busContract } from './bus-contract.js';

busContract('in-process bus', false, async () => {
  const broker = new InProcessBroker({ namespace: testNamespace('in-process') });
  return {
    connect: () => broker.client(),
    publishRaw: async (subject, data) => void broker.store(subject, data, {}),
    cleanup: async () => {},
  };
});


import { runService } from '../common/run.js';
import { setupRelationsService } from './setup.js';

await runService('relations', setupRelationsService, { events: true });

import { runService } from '../common/run.js';
import { setupNotificationsService } from './setup.js';

await runService('notifications', setupNotificationsService, { events: true });

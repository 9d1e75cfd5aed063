import { runService } from '../common/run.js';
import { setupUsersService } from './setup.js';

await runService('users', setupUsersService, { events: true });

import { runService } from '../common/run.js';
import { setupAuthService } from './setup.js';

await runService('auth', setupAuthService);

import { runService } from '../common/run.js';
import { setupPostsService } from './setup.js';

await runService('posts', setupPostsService, { events: true });

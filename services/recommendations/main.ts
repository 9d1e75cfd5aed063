import { runService } from '../common/run.js';
import { setupRecommendationsService } from './setup.js';

await runService('recommendations', setupRecommendationsService);

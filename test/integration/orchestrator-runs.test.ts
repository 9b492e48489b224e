import { singleRedis } from '../helpers/redis-target.ts';
import { describeOrchestratorRuns } from './orchestrator-runs.cases.ts';

describeOrchestratorRuns(singleRedis);

import { singleRedis } from '../helpers/redis-target.ts';
import { describeOrchestratorProcesses } from './orchestrator-processes.cases.ts';

describeOrchestratorProcesses(singleRedis);

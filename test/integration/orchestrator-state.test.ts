import { singleRedis } from '../helpers/redis-target.ts';
import { describeOrchestratorState } from './orchestrator-state.cases.ts';

describeOrchestratorState(singleRedis);

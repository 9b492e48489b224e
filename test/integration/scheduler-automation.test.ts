import { singleRedis } from '../helpers/redis-target.ts';
import { describeSchedulerAutomation } from './scheduler-automation.cases.ts';

describeSchedulerAutomation(singleRedis);

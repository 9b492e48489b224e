import { singleRedis } from '../helpers/redis-target.ts';
import { describeWorkerSigkill } from './worker-sigkill.cases.ts';

describeWorkerSigkill(singleRedis);

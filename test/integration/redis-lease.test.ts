import { singleRedis } from '../helpers/redis-target.ts';
import { describeRedisLease } from './redis-lease.cases.ts';

describeRedisLease(singleRedis);

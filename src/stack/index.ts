export {
  SERVICE_NAMES,
  DEFAULT_AWS_ENDPOINT_URL,
  parseServiceList,
  clusterUrl,
  parseClusterUrl,
  resolveStackConfig,
  stackPaths,
  type RedisMode,
  type ServiceName,
  type StackConfig,
} from './config.ts';
export { ensureMotoBucket } from './moto.ts';
export { venvBin } from './python-env.ts';
export { formatStatusTable, isUp, type ServiceState, type ServiceStatus } from './status-format.ts';
export {
  StackUpError,
  stackDown,
  stackStatus,
  stackUp,
  type StackDownResult,
  type StackOptions,
  type StackUpResult,
} from './stack.ts';

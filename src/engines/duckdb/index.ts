export { withDuckDb, type DuckDbSession, type Row } from './query.ts';
export { withFileLock } from './file-lock.ts';
export { readModelDataStatus, type ModelDataStatus } from './status.ts';

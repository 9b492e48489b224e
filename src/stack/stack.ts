import path from 'node:path';
import { WorkFailedError, errorMessage } from '../shared/errors.ts';
import {
  SERVICE_NAMES,
  formatHostPort,
  resolveStackConfig,
  stackPaths,
  type ServiceName,
  type StackConfig,
  type StackPaths,
} from './config.ts';
import { dbtService } from './dbt.ts';
import { kafkaServices } from './kafka.ts';
import { motoService } from './moto.ts';
import { requirePrerequisites } from './prerequisites.ts';
import {
  isRunning,
  readPidFile,
  removePidFile,
  spawnDetached,
  stopProcess,
  tailFile,
  writePidFile,
  type StopOutcome,
} from './processes.ts';
import { isPortOpen, waitUntil } from './probe.ts';
import { ensureVenv } from './python-env.ts';
import { redisServices } from './redis.ts';
import type { ServerService, StackContext, StackService } from './service.ts';

/** The pid and log file stem of a service's process. */
const unitOf = (service: StackService) => service.unit ?? service.name;
import type { ServiceStatus } from './status-format.ts';

export interface StackOptions {
  /** Which services; all of them when omitted. */
  services?: readonly ServiceName[];
  /** Addresses and folders; from the environment when omitted. */
  config?: StackConfig;
  /** Human progress lines (Kafka and a cold venv take a while). */
  onProgress?: (message: string) => void;
}

export interface StackUpResult {
  services: ServiceStatus[];
  /** What this call started: the only services its caller should stop again. */
  started: ServiceName[];
}

export interface StackDownResult {
  services: { name: ServiceName; outcome: StopOutcome | 'external' }[];
}

/** A failed `up` still says what it started, so a caller can clean up exactly that. */
export class StackUpError extends WorkFailedError {
  override readonly name = 'StackUpError';
  constructor(
    message: string,
    readonly started: ServiceName[],
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

interface Resolved {
  config: StackConfig;
  paths: StackPaths;
  services: StackService[];
}

function resolve(options: StackOptions): Resolved {
  const config = options.config ?? resolveStackConfig();
  const paths = stackPaths(config);
  const all: StackService[] = [
    ...redisServices(config, paths),
    ...kafkaServices(config, paths),
    motoService(config, paths),
    dbtService(config),
  ];
  const wanted = options.services;
  return { config, paths, services: wanted ? all.filter((s) => wanted.includes(s.name)) : all };
}

/**
 * Brings the selected services up and returns once each is healthy. Healthy services are
 * reused, whoever started them; the rest are installed (cached) and started in parallel.
 */
export async function stackUp(options: StackOptions = {}): Promise<StackUpResult> {
  const { config, paths, services } = resolve(options);
  const progress = options.onProgress ?? (() => undefined);
  // Tools always go through their install step: it is a no-op unless requirements.txt changed.
  const health = await Promise.all(
    services.map((s) => (s.kind === 'server' ? s.isHealthy() : Promise.resolve(false))),
  );
  const pending = services.filter((_, i) => !health[i]);
  for (const service of services.filter((_, i) => health[i]))
    progress(`${unitOf(service)}: already running at ${service.address}`);

  // Checked before anything starts, so a missing program costs one line, not a half-started stack.
  requirePrerequisites(
    pending.filter((s) => s.kind === 'tool' || s.local).flatMap((s) => s.prerequisites()),
  );
  let venv: Promise<void> | undefined;
  const context: StackContext = {
    config,
    paths,
    progress,
    ensureVenv: () => (venv ??= ensureVenv(config, paths, progress)),
  };
  const started: ServiceName[] = [];
  const outcomes = await Promise.allSettled(
    pending.map(async (service) => {
      if (await bringUp(service, context)) started.push(service.name);
    }),
  );
  const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []));
  if (failures.length === 0) {
    // Once every process answers: steps that need all of them (joining a Redis Cluster).
    for (const service of services) {
      if (service.kind !== 'server' || service.join === undefined) continue;
      try {
        await service.join(context);
      } catch (error) {
        failures.push(error);
      }
    }
  }
  if (failures.length > 0) {
    const detail = failures.map(errorMessage).join('\n');
    throw new StackUpError(`stack up failed:\n${detail}`, started, { cause: failures[0] });
  }
  // Every service answered by now; the statuses only add who owns which process.
  const ready = await Promise.all(services.map((service) => statusOf(service, paths, true)));
  return { services: ready, started: SERVICE_NAMES.filter((name) => started.includes(name)) };
}

/** Returns true when this call started a process. */
async function bringUp(service: StackService, context: StackContext): Promise<boolean> {
  if (service.kind === 'tool') {
    await service.prepare(context);
    if (!(await service.isHealthy()))
      throw new WorkFailedError(
        `${unitOf(service)}: not working after install; see ${context.paths.logFile('venv')}`,
      );
    context.progress(`${unitOf(service)}: ready (${service.address})`);
    return false;
  }
  const record = readPidFile(context.paths.pidFile(unitOf(service)));
  if (isRunning(record) && record.address !== service.address) {
    throw new WorkFailedError(
      `${unitOf(service)}: the stack's ${service.name} still runs at ${record.address} (pid ${record.pid}); ` +
        `stop it with \`strata stack down --only ${service.name}\` before starting one at ${service.address}`,
    );
  }
  if (isRunning(record) || (await service.isListening())) {
    // Ours from an earlier `up`, or a stranger still starting: give it the start timeout, don't start a second.
    context.progress(
      `${unitOf(service)}: something is listening on ${service.address}, waiting for it to answer`,
    );
    await awaitHealthy(service, context, () => false);
    return false;
  }
  if (!service.local) {
    throw new WorkFailedError(
      `${unitOf(service)}: nothing answers at ${service.address}, and the stack only starts services on this machine`,
    );
  }
  await awaitPortsFree(service, context);
  await service.prepare(context);
  await startServer(service, context);
  return true;
}

/** Waits (start timeout) for the other ports the service binds to be free, or says which is taken. */
async function awaitPortsFree(service: ServerService, context: StackContext): Promise<void> {
  for (const endpoint of service.alsoBinds ?? []) {
    const address = formatHostPort(endpoint);
    if (!(await isPortOpen(endpoint))) continue;
    context.progress(`${unitOf(service)}: ${address} is still taken, waiting for it to be free`);
    const outcome = await waitUntil(async () => !(await isPortOpen(endpoint)), {
      timeoutMs: context.config.startTimeoutMs,
    });
    if (outcome !== 'ready')
      throw new WorkFailedError(
        `${unitOf(service)}: ${address}, which it also binds, is in use by another process; ` +
          `stop that process (another Kafka?) and run \`strata stack up\` again`,
      );
  }
}

async function startServer(service: ServerService, context: StackContext): Promise<void> {
  const pidFile = context.paths.pidFile(unitOf(service));
  const logFile = context.paths.logFile(unitOf(service));
  context.progress(
    `${unitOf(service)}: starting on ${service.address} (log ${displayPath(logFile)})`,
  );
  const record = await spawnDetached(service.spawnSpec(), logFile);
  writePidFile(pidFile, record);
  try {
    await awaitHealthy(service, context, () => !isRunning(record));
  } catch (error) {
    await stopProcess(record, context.config.stopTimeoutMs);
    removePidFile(pidFile);
    throw new WorkFailedError(
      `${errorMessage(error)}\n--- last lines of ${logFile}:\n${tailFile(logFile)}`,
      { cause: error },
    );
  }
}

function displayPath(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') || path.isAbsolute(relative) ? file : relative;
}

async function awaitHealthy(
  service: ServerService,
  context: StackContext,
  died: () => boolean,
): Promise<void> {
  const started = Date.now();
  const outcome = await waitUntil(() => service.isHealthy(), {
    timeoutMs: context.config.startTimeoutMs,
    giveUpIf: died,
    onProgress: (elapsed) =>
      context.progress(
        `${unitOf(service)}: waiting for it to answer (${Math.round(elapsed / 1000)}s)`,
      ),
  });
  if (outcome === 'gave-up')
    throw new WorkFailedError(`${unitOf(service)}: the process exited during start`);
  if (outcome === 'timeout') {
    throw new WorkFailedError(
      `${unitOf(service)}: no healthy answer at ${service.address} within ${context.config.startTimeoutMs / 1000}s`,
    );
  }
  context.progress(
    `${unitOf(service)}: ready at ${service.address} (${((Date.now() - started) / 1000).toFixed(1)}s)`,
  );
}

/** Stops only what `up` started (pid files); services someone else runs are left alone. */
export async function stackDown(options: StackOptions = {}): Promise<StackDownResult> {
  const { config, paths, services } = resolve(options);
  const progress = options.onProgress ?? (() => undefined);
  const servers = services.filter((s): s is ServerService => s.kind === 'server');
  const results = await Promise.all(
    servers.map(async (service) => {
      const pidFile = paths.pidFile(unitOf(service));
      const record = readPidFile(pidFile);
      if (isRunning(record)) {
        progress(`${unitOf(service)}: stopping pid ${record.pid}`);
        const outcome = await stopProcess(record, config.stopTimeoutMs);
        removePidFile(pidFile);
        return { name: service.name, outcome };
      }
      removePidFile(pidFile);
      const external = await service.isHealthy();
      if (external) progress(`${unitOf(service)}: not started by the stack, left running`);
      return {
        name: service.name,
        outcome: external ? ('external' as const) : ('not-running' as const),
      };
    }),
  );
  return { services: results };
}

export async function stackStatus(options: StackOptions = {}): Promise<ServiceStatus[]> {
  const { paths, services } = resolve(options);
  return Promise.all(services.map((service) => statusOf(service, paths)));
}

async function statusOf(
  service: StackService,
  paths: StackPaths,
  knownHealthy?: boolean,
): Promise<ServiceStatus> {
  const healthy = knownHealthy ?? (await service.isHealthy());
  if (service.kind === 'tool') {
    return {
      name: service.name,
      address: service.address,
      state: healthy ? 'installed' : 'missing',
    };
  }
  const record = readPidFile(paths.pidFile(unitOf(service)));
  if (isRunning(record) && record.address === service.address) {
    return {
      name: service.name,
      address: service.address,
      state: healthy ? 'running-ours' : 'unhealthy',
      pid: record.pid,
      log: paths.logFile(unitOf(service)),
    };
  }
  return {
    name: service.name,
    address: service.address,
    state: healthy ? 'running-external' : 'stopped',
  };
}

import type { AssetSpec, SchedulerSettings } from '../config/types.ts';
import type { AssetGraph } from '../graph/graph.ts';
import type { RunTrigger } from '../jobs/run-model.ts';
import { formatDuration } from '../shared/durations.ts';
import { backoffDelayMs } from './backoff.ts';

/**
 * The automation decision, as a pure function of state already read from Redis: which assets to
 * request now, in which runs, and why every other automated asset is left alone. The scheduler
 * calls it on asset events (debounced) and on its tick; `strata plan` calls it to explain.
 * Cost is linear in assets plus edges: one pass in topological order, memoised.
 */

/** What the scheduler knows of one asset when it evaluates. */
export interface AssetState {
  /** Newest data the asset reflects (materialization or observation); null when never. */
  dataTime: number | null;
  /** When the asset last got new data: its last success ended, or an observation moved it. */
  lastNewDataAt: number | null;
  /** Start of its latest materialization, successful or not. */
  lastStartedAt: number | null;
  /**
   * Consecutive failed materializations up to the newest, counted as far as back-off needs
   * (failuresToReachMax), and when the last one ended.
   */
  failures: number;
  lastFailedAt: number | null;
  /** An error-severity check or the materialization failed: downstream automation waits. */
  blocked: boolean;
  blockedReason?: string;
  /** Pending, queued or running in an unfinished automated run. */
  inFlight: boolean;
  /** The scheduler's last automated request of this asset. */
  lastRequestedAt: number | null;
  /** Recent materialization durations, to lead freshness deadlines by. */
  recentDurationsMs: readonly number[];
}

export interface EvaluationInput {
  now: number;
  graph: AssetGraph;
  assets: ReadonlyMap<string, AssetSpec>;
  state: ReadonlyMap<string, AssetState>;
  settings: SchedulerSettings;
  /** Automated runs created and not finished yet. */
  runningAutomatedRuns: number;
}

export type DecisionAction = 'request' | 'wait' | 'decline';

export interface Decision {
  asset: string;
  action: DecisionAction;
  trigger?: RunTrigger;
  reason: string;
}

export interface RunRequest {
  assets: string[];
  trigger: RunTrigger;
  reason: string;
}

export interface Evaluation {
  requests: RunRequest[];
  /**
   * One per automated asset (onUpstream or onFreshness with a policy), and one per asset pulled
   * into a run because a dependent needs it (`request`, "needed by <dependent>: <its reason>").
   */
  decisions: Decision[];
  /** When a time-based condition changes next (freshness deadline, interval, back-off). */
  wakeAt: number | undefined;
}

/** Assumed duration of an asset that never ran, to lead its freshness deadline. */
const UNKNOWN_DURATION_MS = 30_000;

export function evaluateAutomation(input: EvaluationInput): Evaluation {
  const { now, graph, assets, state, settings } = input;
  const decisions = new Map<string, Decision>();
  const due = new Map<string, { trigger: RunTrigger; reason: string }>();
  let wakeAt: number | undefined;
  const wakeBy = (time: number): void => {
    if (time > now && (wakeAt === undefined || time < wakeAt)) wakeAt = time;
  };
  const stateOf = (key: string): AssetState => state.get(key) ?? EMPTY_STATE;
  const reachable = projectedDataTimes(graph, stateOf);
  const leads = new Map<string, number>();
  const blockedBy = new Map<string, string>();

  for (const key of graph.order) {
    noteBlockedUpstream(key);
    const spec = assets.get(key);
    if (!spec || !isAutomated(spec)) continue;
    const s = stateOf(key);
    const hold = holdReason(key, spec, s);
    if (hold) {
      decisions.set(key, hold);
      continue;
    }
    const wanted =
      upstreamNeed(key, spec, s) ?? freshnessNeed(key, spec, s) ?? notNeeded(key, spec, s);
    if (wanted.action !== 'request') {
      decisions.set(key, wanted);
      continue;
    }
    const paced = pacing(key, spec, s);
    if (paced) {
      decisions.set(key, { ...paced, trigger: wanted.trigger });
      continue;
    }
    const needed = wanted.trigger === 'freshness' ? staleUpstream(key) : [];
    const held = needed.find((u) => stateOf(u).inFlight || decisions.get(u)?.action === 'wait');
    if (held) {
      const why = stateOf(held).inFlight
        ? 'is already running'
        : `waits: ${decisions.get(held)?.reason}`;
      decisions.set(key, {
        asset: key,
        action: 'wait',
        reason: `${wanted.reason}; ${held} ${why}`,
      });
      continue;
    }
    decisions.set(key, wanted);
    for (const u of needed) {
      if (due.has(u)) continue;
      // Its own decision (say, `fresh: ...`) no longer holds: it runs, for the dependent. The
      // run's reason lists the dependent's reason beside it, so it names the dependent only.
      due.set(u, { trigger: 'freshness', reason: `needed by ${key}` });
      decisions.set(u, {
        asset: u,
        action: 'request',
        trigger: 'freshness',
        reason: `needed by ${key}: ${wanted.reason}`,
      });
    }
    due.set(key, { trigger: wanted.trigger ?? 'upstream', reason: wanted.reason });
  }

  const requests = planRuns(due);
  if (requests.length > 0 && input.runningAutomatedRuns >= settings.maxConcurrentRuns) {
    for (const request of requests) {
      for (const asset of request.assets) {
        decisions.set(asset, {
          asset,
          action: 'wait',
          reason: `${settings.maxConcurrentRuns} automated runs are unfinished (the cap); waiting`,
        });
      }
    }
    return { requests: [], decisions: inOrder(), wakeAt };
  }
  return { requests, decisions: inOrder(), wakeAt };

  /** In dependency order, whenever each decision was taken (a pulled-in one comes late). */
  function inOrder(): Decision[] {
    return graph.order.flatMap((key) => decisions.get(key) ?? []);
  }

  /** Reasons that stop automation before any need is considered. */
  function holdReason(key: string, spec: AssetSpec, s: AssetState): Decision | undefined {
    if (s.inFlight) return { asset: key, action: 'wait', reason: 'already queued or running' };
    const blockedDep = blockedBy.get(key);
    if (blockedDep) {
      const why = stateOf(blockedDep).blockedReason;
      return {
        asset: key,
        action: 'decline',
        reason: `upstream ${blockedDep} failed${why ? ` (${why})` : ''}; waiting for it to pass`,
      };
    }
    return undefined;
  }

  /**
   * Records the failed asset, anywhere upstream, that holds `key` back. A blocked asset re-run
   * in this same run does not hold its dependents back: if it fails again they are skipped,
   * never run on its failed output.
   */
  function noteBlockedUpstream(key: string): void {
    for (const dep of graph.depsOf(key)) {
      if (due.has(dep)) continue;
      const blocker = stateOf(dep).blocked ? dep : blockedBy.get(dep);
      if (blocker) {
        blockedBy.set(key, blocker);
        return;
      }
    }
  }

  /** onUpstream: an upstream asset has data newer than this asset's latest materialization. */
  function upstreamNeed(key: string, spec: AssetSpec, s: AssetState): Decision | undefined {
    if (!spec.automation.onUpstream) return undefined;
    const inRun = spec.deps.filter((d) => due.has(d));
    if (inRun.length > 0) {
      return {
        asset: key,
        action: 'request',
        trigger: 'upstream',
        reason: `upstream ${inRun.join(', ')} runs now`,
      };
    }
    const since = s.lastStartedAt ?? -Infinity;
    const fresher = spec.deps.filter((d) => (stateOf(d).lastNewDataAt ?? -Infinity) > since);
    if (fresher.length === 0) return undefined;
    const from = fresher.map((d) => `${d}${describeDataTime(stateOf(d).dataTime, now)}`).join(', ');
    return { asset: key, action: 'request', trigger: 'upstream', reason: `new data in ${from}` };
  }

  /** onFreshness: the asset would cross its window before a run could finish. */
  function freshnessNeed(key: string, spec: AssetSpec, s: AssetState): Decision | undefined {
    const windowMs = freshnessWindow(spec);
    if (!spec.automation.onFreshness || windowMs === undefined) return undefined;
    const lead = leadTime(key) + settings.tickMs;
    if (s.dataTime !== null) {
      const deadline = s.dataTime + windowMs - lead;
      if (now < deadline) {
        wakeBy(deadline);
        return undefined;
      }
    }
    const best = reachable.get(key) ?? null;
    if (best === null || (s.dataTime !== null && best.time <= s.dataTime)) {
      return {
        asset: key,
        action: 'decline',
        reason: staleSourceReason(key, spec, s, windowMs, best),
      };
    }
    const age = s.dataTime === null ? 'never materialized' : `data ${ageOf(s.dataTime)} old`;
    const needs = staleUpstream(key);
    return {
      asset: key,
      action: 'request',
      trigger: 'freshness',
      reason:
        `${age}, ${policyWords(spec)}` +
        (needs.length > 0 ? `; needs ${needs.map(describeNeed).join(', ')}` : ''),
    };
  }

  function notNeeded(key: string, spec: AssetSpec, s: AssetState): Decision {
    const windowMs = freshnessWindow(spec);
    const parts: string[] = [];
    if (spec.automation.onUpstream) parts.push('no new upstream data');
    if (spec.automation.onFreshness && windowMs !== undefined && s.dataTime !== null) {
      parts.push(`fresh: data ${ageOf(s.dataTime)} old, ${policyWords(spec)}`);
    }
    return { asset: key, action: 'decline', reason: parts.join('; ') || 'nothing to do' };
  }

  /** minInterval and back-off after failures: the need stands, but not yet. */
  function pacing(key: string, spec: AssetSpec, s: AssetState): Decision | undefined {
    if (s.failures > 0 && s.lastFailedAt !== null) {
      const retryAt = s.lastFailedAt + backoffDelayMs(s.failures, settings.backoff);
      if (now < retryAt) {
        wakeBy(retryAt);
        return {
          asset: key,
          action: 'wait',
          reason: `backing off after ${s.failures} failed run(s): next try in ${formatDuration(retryAt - now)}`,
        };
      }
    }
    const minInterval = spec.automation.minIntervalMs;
    if (minInterval > 0 && s.lastRequestedAt !== null && now < s.lastRequestedAt + minInterval) {
      const at = s.lastRequestedAt + minInterval;
      wakeBy(at);
      return {
        asset: key,
        action: 'wait',
        reason: `minInterval ${formatDuration(minInterval)}: next automated run in ${formatDuration(at - now)}`,
      };
    }
    return undefined;
  }

  /** Upstream assets whose data is older than what re-running them would reach. */
  function staleUpstream(key: string): string[] {
    return graph.sort([...graph.withUpstream(key)].filter((u) => u !== key && wouldGain(u)));
  }

  /** A derived asset whose data is older than what re-running it would reach. */
  function wouldGain(key: string): boolean {
    if (graph.depsOf(key).length === 0) return false;
    const best = reachable.get(key);
    const current = stateOf(key).dataTime;
    return best !== undefined && best !== null && (current === null || current < best.time);
  }

  /**
   * How long re-running the asset and the upstream it needs is expected to take: its own
   * duration plus the longest chain of upstream assets that need re-running (memoised, so a
   * full evaluation stays linear in assets plus edges).
   */
  function leadTime(key: string): number {
    const known = leads.get(key);
    if (known !== undefined) return known;
    let upstream = 0;
    for (const dep of graph.depsOf(key)) {
      if (wouldGain(dep)) upstream = Math.max(upstream, leadTime(dep));
    }
    const lead = expectedDuration(stateOf(key)) + upstream;
    leads.set(key, lead);
    return lead;
  }

  function describeNeed(key: string): string {
    const t = stateOf(key).dataTime;
    return `${key} (${t === null ? 'never materialized' : `data ${ageOf(t)} old`})`;
  }

  function staleSourceReason(
    key: string,
    spec: AssetSpec,
    s: AssetState,
    windowMs: number,
    best: Reachable | null,
  ): string {
    const age = s.dataTime === null ? 'never materialized' : `data ${ageOf(s.dataTime)} old`;
    const source =
      best?.source ?? [...graph.withUpstream(key)].find((u) => graph.depsOf(u).length === 0);
    const sourceData =
      best === null ? 'has no data yet' : `has no data newer than ${iso(best.time)}`;
    const deadline =
      s.dataTime === null ? '' : ` (${now >= s.dataTime + windowMs ? 'past' : 'near'} its window)`;
    return `${age}, ${policyWords(spec)}${deadline}; source ${source ?? key} ${sourceData}: re-running cannot help, left to the alert rules`;
  }

  function ageOf(time: number): string {
    return formatDuration(Math.max(0, Math.floor((now - time) / 1000) * 1000));
  }
}

/** Groups due assets into runs: a due asset and its due upstream assets are one run. */
function planRuns(due: ReadonlyMap<string, { trigger: RunTrigger; reason: string }>): RunRequest[] {
  if (due.size === 0) return [];
  // One run for everything due at once: dependencies among them order it, and a chain
  // raw -> bronze -> silver -> gold becomes one run, not four. The run's trigger is the one that
  // started the chain; every asset's own reason is kept in its decision.
  const [first] = due.values();
  const triggers = new Set([...due.values()].map((d) => d.trigger));
  const trigger: RunTrigger = triggers.has('freshness')
    ? 'freshness'
    : (first?.trigger ?? 'upstream');
  const reason = [...due].map(([key, d]) => `${key}: ${d.reason}`).join('; ');
  return [{ assets: [...due.keys()], trigger, reason }];
}

interface Reachable {
  /** The newest data time a re-run of the asset and everything upstream could give it. */
  time: number;
  /** The source asset that limits it. */
  source: string;
}

/**
 * Per asset, the data time re-running it (and its upstream) would reach: a source's own data
 * time; for a derived asset, the oldest among its inputs' reachable data times (DESIGN.md).
 */
function projectedDataTimes(
  graph: AssetGraph,
  stateOf: (key: string) => AssetState,
): Map<string, Reachable | null> {
  const result = new Map<string, Reachable | null>();
  for (const key of graph.order) {
    const deps = graph.depsOf(key);
    if (deps.length === 0) {
      const t = stateOf(key).dataTime;
      result.set(key, t === null ? null : { time: t, source: key });
      continue;
    }
    let oldest: Reachable | undefined;
    let unreachable = false;
    for (const dep of deps) {
      const r = result.get(dep) ?? null;
      if (r === null) {
        unreachable = true;
        break;
      }
      if (oldest === undefined || r.time < oldest.time) oldest = r;
    }
    result.set(key, unreachable ? null : (oldest ?? null));
  }
  return result;
}

export function isAutomated(spec: AssetSpec): boolean {
  return (
    spec.automation.onUpstream ||
    (spec.automation.onFreshness && freshnessWindow(spec) !== undefined)
  );
}

/** The first threshold of the policy: runs aim to keep the asset inside warnAfter if set. */
function freshnessWindow(spec: AssetSpec): number | undefined {
  return spec.freshness?.warnAfterMs ?? spec.freshness?.failAfterMs;
}

function policyWords(spec: AssetSpec): string {
  const f = spec.freshness;
  const parts: string[] = [];
  if (f?.warnAfterMs !== undefined) parts.push(`warn after ${formatDuration(f.warnAfterMs)}`);
  if (f?.failAfterMs !== undefined) parts.push(`fail after ${formatDuration(f.failAfterMs)}`);
  return parts.join(', ');
}

function expectedDuration(s: AssetState): number {
  return s.recentDurationsMs.length === 0 ? UNKNOWN_DURATION_MS : Math.max(...s.recentDurationsMs);
}

function describeDataTime(time: number | null, now: number): string {
  if (time === null) return '';
  return ` (data ${formatDuration(Math.max(0, Math.floor((now - time) / 1000) * 1000))} old)`;
}

function iso(time: number): string {
  return new Date(time).toISOString().replace('.000Z', 'Z');
}

/** An asset Redis knows nothing about: never materialized, observed or requested. */
export const EMPTY_STATE: Readonly<AssetState> = {
  dataTime: null,
  lastNewDataAt: null,
  lastStartedAt: null,
  failures: 0,
  lastFailedAt: null,
  blocked: false,
  inFlight: false,
  lastRequestedAt: null,
  recentDurationsMs: [],
};

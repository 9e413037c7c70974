import type { FanoutStep, IdleStep, Latency, StormRun, TargetName } from "../results.ts";

/**
 * Repetitions folded into one figure per measured point. Every report (table, chart,
 * verdicts) reads these, so all three agree on what "the figure at this step" means.
 */

export function mean(values: readonly number[]): number {
  let sum = 0;
  for (const value of values) sum += value;
  return values.length === 0 ? Number.NaN : sum / values.length;
}

/** Items with the same key, in the order their keys first appear. */
export function groupBy<T>(items: readonly T[], key: (item: T) => string): T[][] {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group === undefined) groups.set(k, [item]);
    else group.push(item);
  }
  return [...groups.values()];
}

/** Which load a fan-out step was: the same for both targets at the same step of the sweep. */
export interface Load {
  receivers: number;
  senders: number;
  ratePerSender: number;
}

export const loadKey = (load: Load): string => `${load.receivers}/${load.senders}/${load.ratePerSender}`;

export const sameLoad = (a: Load, b: Load): boolean => loadKey(a) === loadKey(b);

/** One step of the fan-out sweep for one target, repetitions averaged. */
export interface FanoutLevel extends Load {
  target: TargetName;
  offeredDeliveriesPerSecond: number;
  deliveriesPerSecond: number;
  /** Mean over the repetitions: 0 only when every repetition lost nothing. */
  lost: number;
  latencyMs: Latency;
  repetitions: number;
}

/** Fan-out steps averaged per target and load, in ascending offered load. */
export function fanoutLevels(steps: readonly FanoutStep[]): FanoutLevel[] {
  const levels = groupBy(steps, (step) => `${step.target}|${loadKey(step)}`).map((group): FanoutLevel => {
    const first = group[0] as FanoutStep;
    const of = (pick: (step: FanoutStep) => number) => mean(group.map(pick));
    return {
      target: first.target,
      receivers: first.receivers,
      senders: first.senders,
      ratePerSender: first.ratePerSender,
      offeredDeliveriesPerSecond: of((step) => step.offeredDeliveriesPerSecond),
      deliveriesPerSecond: of((step) => step.deliveriesPerSecond),
      lost: of((step) => step.lost),
      latencyMs: {
        p50: of((step) => step.latencyMs.p50),
        p90: of((step) => step.latencyMs.p90),
        p99: of((step) => step.latencyMs.p99),
        max: of((step) => step.latencyMs.max),
      },
      repetitions: group.length,
    };
  });
  return levels.sort(
    (a, b) =>
      a.offeredDeliveriesPerSecond - b.offeredDeliveriesPerSecond ||
      a.ratePerSender - b.ratePerSender ||
      a.receivers - b.receivers,
  );
}

/** Idle memory for one target at one client count, repetitions averaged. */
export interface IdleLevel {
  target: TargetName;
  clients: number;
  bytesPerConnection: number;
  repetitions: number;
}

/** Idle steps averaged per target and client count, in ascending client count. */
export function idleLevels(steps: readonly IdleStep[]): IdleLevel[] {
  return groupBy(steps, (step) => `${step.target}|${step.clients}`)
    .map((group): IdleLevel => {
      const first = group[0] as IdleStep;
      return {
        target: first.target,
        clients: first.clients,
        bytesPerConnection: mean(group.map((step) => step.bytesPerConnection)),
        repetitions: group.length,
      };
    })
    .sort((a, b) => a.clients - b.clients);
}

/** The connect storm for one target at one client count, repetitions averaged. */
export interface StormLevel {
  target: TargetName;
  clients: number;
  connected: number;
  failed: number;
  hanging: number;
  /** Mean over the repetitions, or null when some repetition never had everyone connected. */
  secondsToAllConnected: number | null;
  /** Repetitions in which not every client got connected. */
  incompleteRuns: number;
  repetitions: number;
}

/** Storm runs averaged per target and client count, in ascending client count. */
export function stormLevels(runs: readonly StormRun[]): StormLevel[] {
  return groupBy(runs, (run) => `${run.target}|${run.clients}`)
    .map((group): StormLevel => {
      const first = group[0] as StormRun;
      const complete = (run: StormRun) =>
        run.connected === run.clients && run.failed === 0 && run.hanging === 0 && run.secondsToAllConnected !== null;
      const seconds = group.flatMap((run) => (run.secondsToAllConnected === null ? [] : [run.secondsToAllConnected]));
      return {
        target: first.target,
        clients: first.clients,
        connected: mean(group.map((run) => run.connected)),
        failed: mean(group.map((run) => run.failed)),
        hanging: mean(group.map((run) => run.hanging)),
        secondsToAllConnected: seconds.length === group.length ? mean(seconds) : null,
        incompleteRuns: group.filter((run) => !complete(run)).length,
        repetitions: group.length,
      };
    })
    .sort((a, b) => a.clients - b.clients);
}

import type { Log } from "./log-types.ts";

/**
 * Error lines about what clients did wrong (events refused, handshakes refused), held to a
 * few a window however much they do: a flood must not cost a line, and a disk write, for
 * each thing refused.
 */
export interface RefusalLog {
  /** `line` says what `source` (`user alice (id: …)`, an address) did and why it was refused. */
  refused(source: string, line: string): void;
}

export interface RefusalLogOptions {
  /** What is refused, plural: the summary's noun. */
  what: string;
  /** How long a window lasts. */
  windowMs?: number;
  /**
   * Refusals of one source told in full in a window: enough that a client making a few
   * mistakes sees each one told, few enough that a flood costs a screenful, not a disk.
   */
  linesPerSource?: number;
  /** Refusals told in full in a window over every source: many sources at once stay a screenful too. */
  linesPerWindow?: number;
  /** Sources summed up by name in a window; the others share one line. */
  maxSources?: number;
}

interface Tally {
  count: number;
  told: number;
}

/**
 * The first refusals of a source in a window are told in full, at once; the others are
 * counted, and when the window ends one line a source says how many there were in all
 * ("1250 events refused from user x (id: …) in the last 10 s").
 */
export function createRefusalLog(
  log: Log,
  { what, windowMs = 10_000, linesPerSource = 30, linesPerWindow = 100, maxSources = 20 }: RefusalLogOptions,
): RefusalLog {
  const tallies = new Map<string, Tally>();
  let told = 0;
  let unnamed = 0;
  let timer: NodeJS.Timeout | undefined;
  const seconds = windowMs / 1000;

  const summarise = () => {
    timer = undefined;
    for (const [source, tally] of tallies) {
      if (tally.count > tally.told) {
        log.error(`${tally.count} ${what} refused from ${source} in the last ${seconds} s (${tally.told} told above)`);
      }
    }
    if (unnamed > 0) log.error(`${unnamed} ${what} refused from other sources in the last ${seconds} s`);
    tallies.clear();
    told = 0;
    unnamed = 0;
  };

  return {
    refused(source, line) {
      // The window starts with its first refusal: a quiet server keeps no timer.
      if (timer === undefined) {
        timer = setTimeout(summarise, windowMs);
        timer.unref();
      }
      let tally = tallies.get(source);
      if (tally === undefined) {
        if (tallies.size >= maxSources) {
          unnamed += 1;
          return;
        }
        tally = { count: 0, told: 0 };
        tallies.set(source, tally);
      }
      tally.count += 1;
      if (tally.told < linesPerSource && told < linesPerWindow) {
        tally.told += 1;
        told += 1;
        log.error(line);
      }
    },
  };
}

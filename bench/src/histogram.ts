import { build, decodeFromCompressedBase64, encodeIntoCompressedBase64, type Histogram } from "hdr-histogram-js";
import type { Latency } from "./results.ts";

/**
 * Latencies are recorded in microseconds, to three significant digits, in an HdrHistogram
 * that grows as needed: each generator keeps one, sends it compressed, and the orchestrator
 * adds them up before reading percentiles.
 */
export const latencyHistogram = (): Histogram => build({ numberOfSignificantValueDigits: 3, autoResize: true });

export const recordLatency = (histogram: Histogram, milliseconds: number): void => {
  // A receive stamped a hair before its send (the clocks of two processes) is a zero.
  histogram.recordValue(Math.max(0, Math.round(milliseconds * 1000)));
};

export const encodeHistogram = (histogram: Histogram): string => encodeIntoCompressedBase64(histogram);

export function mergeHistograms(encoded: readonly string[]): Histogram {
  const merged = latencyHistogram();
  for (const text of encoded) {
    const part = decodeFromCompressedBase64(text);
    merged.add(part);
    part.destroy();
  }
  return merged;
}

/** Percentiles in milliseconds; NaN throughout when nothing was recorded. */
export function latencyOf(histogram: Histogram): Latency {
  if (histogram.totalCount === 0) return { p50: Number.NaN, p90: Number.NaN, p99: Number.NaN, max: Number.NaN };
  const ms = (microseconds: number) => microseconds / 1000;
  return {
    p50: ms(histogram.getValueAtPercentile(50)),
    p90: ms(histogram.getValueAtPercentile(90)),
    p99: ms(histogram.getValueAtPercentile(99)),
    max: ms(histogram.maxValue),
  };
}

import { targetNames, type BenchResult, type TargetName } from "../results.ts";
import { fanoutLevels, type FanoutLevel } from "./average.ts";
import { count, decimal, ms } from "./format.ts";
import { LATENCY_POINT_MS } from "./targets.ts";

/**
 * The fan-out sweep as a standalone SVG: latency against offered load, both on log scales,
 * one solid p99 line and one dashed p50 line per target. Drawn with plain attributes (no CSS,
 * no scripts, no external fonts) so browsers and converters such as rsvg-convert agree on it.
 */

const WIDTH = 800;
const HEIGHT = 480;
const PLOT = { left: 78, right: 610, top: 76, bottom: 408 };
const LEGEND_X = 632;
const FONT = `font-family="Helvetica, Arial, sans-serif"`;
const TITLE = "Fan-out: latency against offered load";

const TARGETS: readonly TargetName[] = targetNames;
/** Blue and orange stay apart for the common colour-vision deficiencies; marker shapes differ too. */
const COLOURS: Record<TargetName, string> = { project: "#1f5fbf", reference: "#e0720b", streams: "#2a9d4b" };
const PERCENTILES = [
  { key: "p99", dash: null, label: "p99" },
  { key: "p50", dash: "7 4", label: "p50" },
] as const;
type Percentile = (typeof PERCENTILES)[number]["key"];

export function escapeXml(text: string): string {
  return text
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;")
    .replaceAll('"', "&quot;")
    .replaceAll("'", "&apos;");
}

/** Round to a few significant digits so the SVG does not carry float noise. */
const px = (value: number) => String(Math.round(value * 10) / 10);

interface Scale {
  at(value: number): number;
  ticks: number[];
}

/** The 1-2-5 steps of each decade: the tick values a log axis reads best with. */
function niceSteps(lowDecade: number, highDecade: number): number[] {
  const steps: number[] = [];
  for (let decade = lowDecade; decade <= highDecade; decade++) {
    for (const mantissa of [1, 2, 5]) steps.push(Number((mantissa * 10 ** decade).toPrecision(6)));
  }
  return steps;
}

/** Room kept between the data and the plot's edges, as a factor on the value. */
const MARGIN = 1.15;
/** Closer than this in pixels, two tick labels run into each other. */
const TICK_GAP = 24;

/**
 * A log scale from `from` to `to` pixels covering the values, widened to the 1-2-5 steps
 * beyond them so the axis starts and ends on a labelled tick and no point sits on the frame.
 * Values at or below zero cannot sit on a log axis; they are pinned to its bottom.
 */
function logScale(values: readonly number[], fallback: readonly [number, number], from: number, to: number): Scale {
  const positive = values.filter((value) => value > 0 && Number.isFinite(value));
  let low = positive.length === 0 ? fallback[0] : Math.min(...positive);
  let high = positive.length === 0 ? fallback[1] : Math.max(...positive);
  const steps = niceSteps(Math.floor(Math.log10(low)) - 1, Math.ceil(Math.log10(high)) + 1);
  low = [...steps].reverse().find((step) => step <= low / MARGIN) ?? low;
  high = steps.find((step) => step >= high * MARGIN) ?? high;
  if (low === high) {
    // A single value: give it one step of room either side.
    const index = steps.indexOf(low);
    low = steps[index - 1] ?? low / 2;
    high = steps[index + 1] ?? high * 2;
  }
  const span = Math.log10(high) - Math.log10(low);
  const at = (value: number) => {
    const clamped = Math.min(Math.max(value, low), high);
    return from + ((Math.log10(clamped) - Math.log10(low)) / span) * (to - from);
  };
  let ticks = steps.filter((step) => step >= low && step <= high);
  if (ticks.length > 9) {
    // Too many for 1-2-5: keep the decades, and the axis ends where they have room.
    const decades = ticks.filter((step) => Number.isInteger(Math.log10(step)));
    const roomy = (end: number) => decades.every((decade) => Math.abs(at(decade) - at(end)) >= TICK_GAP);
    ticks = ticks.filter((step) => decades.includes(step) || ((step === low || step === high) && roomy(step)));
  }
  return { at, ticks };
}

/** Offered loads as 500, 20k, 1.5M. */
function loadTick(value: number): string {
  if (value >= 1e6) return `${Number((value / 1e6).toPrecision(3))}M`;
  if (value >= 1e3) return `${Number((value / 1e3).toPrecision(3))}k`;
  return String(Number(value.toPrecision(3)));
}

/** Latency ticks: whole milliseconds with separators, fractions as they are. */
const latencyTick = (value: number) => (value >= 1 ? count(value) : String(Number(value.toPrecision(3))));

function text(x: number, y: number, content: string, attributes = ""): string {
  return `<text x="${px(x)}" y="${px(y)}" ${FONT} ${attributes}>${escapeXml(content)}</text>`;
}

/** "100 receivers" or "100–1,000 receivers" when the sweep varied it. */
function range(values: readonly number[], unit: string): string {
  const low = Math.min(...values);
  const high = Math.max(...values);
  return low === high ? `${count(low)} ${unit}` : `${count(low)}–${count(high)} ${unit}`;
}

function subtitle(result: BenchResult, levels: readonly FanoutLevel[]): string {
  const { machine } = result;
  const model = machine.cpuModel.length > 48 ? `${machine.cpuModel.slice(0, 47)}…` : machine.cpuModel;
  const shape =
    levels.length === 0
      ? []
      : [range(levels.map((level) => level.receivers), "receivers"), range(levels.map((level) => level.senders), "senders")];
  const memory = Number.isInteger(machine.memoryGiB) ? count(machine.memoryGiB) : decimal(machine.memoryGiB, 1);
  return [...shape, `${count(result.workers)} workers`, `${count(machine.cpus)} CPUs (${model})`, `${memory} GiB`].join(" · ");
}

function marker(target: TargetName, percentile: Percentile, x: number, y: number, tooltip: string): string {
  const colour = COLOURS[target];
  // p99 markers are filled and p50 hollow, echoing solid and dashed lines.
  const fill = percentile === "p99" ? colour : "#ffffff";
  const title = `<title>${escapeXml(tooltip)}</title>`;
  if (target === "project") {
    return `<circle cx="${px(x)}" cy="${px(y)}" r="4" fill="${fill}" stroke="${colour}" stroke-width="1.5">${title}</circle>`;
  }
  return `<rect x="${px(x - 3.5)}" y="${px(y - 3.5)}" width="7" height="7" fill="${fill}" stroke="${colour}" stroke-width="1.5">${title}</rect>`;
}

function series(
  target: TargetName,
  percentile: (typeof PERCENTILES)[number],
  levels: readonly FanoutLevel[],
  x: Scale,
  y: Scale,
): string {
  const points = levels.map((level) => ({
    level,
    x: x.at(level.offeredDeliveriesPerSecond),
    y: y.at(level.latencyMs[percentile.key]),
  }));
  const dash = percentile.dash === null ? "" : ` stroke-dasharray="${percentile.dash}"`;
  const line = `<polyline data-series="${target} ${percentile.key}" points="${points
    .map((point) => `${px(point.x)},${px(point.y)}`)
    .join(" ")}" fill="none" stroke="${COLOURS[target]}" stroke-width="2" stroke-linejoin="round"${dash}/>`;
  const markers = points.map((point) =>
    marker(
      target,
      percentile.key,
      point.x,
      point.y,
      `${target} ${percentile.label}: ${ms(point.level.latencyMs[percentile.key])} ms at ` +
        `${count(point.level.offeredDeliveriesPerSecond)} offered deliveries/s ` +
        `(${count(point.level.deliveriesPerSecond)} delivered/s, ${count(point.level.lost)} lost)`,
    ),
  );
  return [line, ...markers].join("\n");
}

function axes(x: Scale, y: Scale): string {
  const parts: string[] = [];
  for (const tick of x.ticks) {
    const at = x.at(tick);
    parts.push(`<line x1="${px(at)}" y1="${PLOT.top}" x2="${px(at)}" y2="${PLOT.bottom}" stroke="#e3e3e3" stroke-width="1"/>`);
    parts.push(`<line x1="${px(at)}" y1="${PLOT.bottom}" x2="${px(at)}" y2="${PLOT.bottom + 5}" stroke="#444444" stroke-width="1"/>`);
    parts.push(text(at, PLOT.bottom + 19, loadTick(tick), `font-size="11" fill="#333333" text-anchor="middle"`));
  }
  for (const tick of y.ticks) {
    const at = y.at(tick);
    parts.push(`<line x1="${PLOT.left}" y1="${px(at)}" x2="${PLOT.right}" y2="${px(at)}" stroke="#e3e3e3" stroke-width="1"/>`);
    parts.push(`<line x1="${PLOT.left - 5}" y1="${px(at)}" x2="${PLOT.left}" y2="${px(at)}" stroke="#444444" stroke-width="1"/>`);
    parts.push(text(PLOT.left - 8, at + 4, latencyTick(tick), `font-size="11" fill="#333333" text-anchor="end"`));
  }
  parts.push(
    `<rect x="${PLOT.left}" y="${PLOT.top}" width="${PLOT.right - PLOT.left}" height="${PLOT.bottom - PLOT.top}" fill="none" stroke="#444444" stroke-width="1"/>`,
  );
  parts.push(
    text((PLOT.left + PLOT.right) / 2, PLOT.bottom + 42, "Offered deliveries per second (log scale)", `font-size="12" fill="#222222" text-anchor="middle"`),
  );
  const middle = (PLOT.top + PLOT.bottom) / 2;
  parts.push(
    text(22, middle, "Latency, ms (log scale)", `font-size="12" fill="#222222" text-anchor="middle" transform="rotate(-90 22 ${px(middle)})"`),
  );
  return parts.join("\n");
}

/** The latency the reference is judged at, drawn when it falls inside the plot. */
function latencyGuide(y: Scale): string {
  const at = y.at(LATENCY_POINT_MS);
  if (at <= PLOT.top + 1 || at >= PLOT.bottom - 1) return "";
  return [
    `<line x1="${PLOT.left}" y1="${px(at)}" x2="${PLOT.right}" y2="${px(at)}" stroke="#9a9a9a" stroke-width="1" stroke-dasharray="2 3"/>`,
    // Left end: latency grows with load, so the lines are usually low there.
    text(PLOT.left + 4, at - 4, `${LATENCY_POINT_MS} ms`, `font-size="10" fill="#777777"`),
  ].join("\n");
}

function legend(targets: readonly TargetName[]): string {
  const parts: string[] = [];
  let row = 0;
  for (const target of targets) {
    for (const percentile of PERCENTILES) {
      const y = PLOT.top + 10 + row * 24;
      const dash = percentile.dash === null ? "" : ` stroke-dasharray="${percentile.dash}"`;
      parts.push(
        `<line x1="${LEGEND_X}" y1="${y}" x2="${LEGEND_X + 34}" y2="${y}" stroke="${COLOURS[target]}" stroke-width="2"${dash}/>`,
      );
      parts.push(marker(target, percentile.key, LEGEND_X + 17, y, `${target} ${percentile.label}`));
      parts.push(text(LEGEND_X + 44, y + 4, `${target} ${percentile.label}`, `font-size="12" fill="#222222"`));
      row++;
    }
  }
  return parts.join("\n");
}

export function renderChart(result: BenchResult): string {
  const levels = fanoutLevels(result.fanout);
  const targets = TARGETS.filter((target) => levels.some((level) => level.target === target));
  const heading = [
    text(WIDTH / 2, 30, TITLE, `font-size="18" font-weight="bold" fill="#111111" text-anchor="middle"`),
    text(WIDTH / 2, 52, subtitle(result, levels), `font-size="12" fill="#555555" text-anchor="middle"`),
  ];

  let body: string[];
  if (levels.length === 0) {
    body = [text(WIDTH / 2, HEIGHT / 2, "No fan-out data in this run", `font-size="14" fill="#777777" text-anchor="middle"`)];
  } else {
    const x = logScale(
      levels.map((level) => level.offeredDeliveriesPerSecond),
      [1, 10],
      PLOT.left,
      PLOT.right,
    );
    const y = logScale(
      levels.flatMap((level) => [level.latencyMs.p50, level.latencyMs.p99]),
      [0.1, 1],
      PLOT.bottom,
      PLOT.top,
    );
    body = [
      axes(x, y),
      latencyGuide(y),
      // p50 first so the p99 lines, which the targets are judged on, are drawn on top.
      ...targets.flatMap((target) =>
        [...PERCENTILES].reverse().map((percentile) =>
          series(
            target,
            percentile,
            levels.filter((level) => level.target === target),
            x,
            y,
          ),
        ),
      ),
      legend(targets),
    ];
  }

  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img">`,
    `<title>${escapeXml(TITLE)}</title>`,
    `<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    ...heading,
    ...body.filter((part) => part !== ""),
    `</svg>`,
    "",
  ].join("\n");
}

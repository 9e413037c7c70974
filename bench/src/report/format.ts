/**
 * Number formatting for the report. A fixed locale keeps the output identical on every
 * machine, so a pasted README table does not change with whoever ran the benchmark.
 */

const formatters = new Map<number, Intl.NumberFormat>();

export function decimal(value: number, digits: number): string {
  let formatter = formatters.get(digits);
  if (formatter === undefined) {
    formatter = new Intl.NumberFormat("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
    formatters.set(digits, formatter);
  }
  return formatter.format(value);
}

/** Counts and rates: whole numbers with thousands separators; a small mean keeps one decimal. */
export function count(value: number): string {
  if (Number.isInteger(value) || Math.abs(value) >= 100) return decimal(value, 0);
  return decimal(value, 1);
}

/** Milliseconds: more decimals the smaller the figure, so sub-millisecond latencies stay readable. */
export function ms(value: number): string {
  const size = Math.abs(value);
  return decimal(value, size < 1 ? 2 : size < 100 ? 1 : 0);
}

export function seconds(value: number): string {
  return decimal(value, Math.abs(value) < 10 ? 2 : 1);
}

export const kib = (bytes: number): number => bytes / 1024;

/** Kibibytes, given in bytes. */
export function kibText(bytes: number): string {
  const size = Math.abs(kib(bytes));
  return decimal(kib(bytes), size < 10 ? 2 : size < 100 ? 1 : 0);
}

/** A project/reference ratio, e.g. "0.45×". */
export function ratio(value: number): string {
  return `${decimal(value, 2)}×`;
}

/** Per-worker fractions such as Redis messages per worker per message. */
export function fraction(value: number): string {
  return decimal(value, 2);
}

/** project ÷ reference, or null when there is nothing to divide by. */
export function divide(project: number, reference: number): number | null {
  return reference === 0 || !Number.isFinite(project) || !Number.isFinite(reference) ? null : project / reference;
}

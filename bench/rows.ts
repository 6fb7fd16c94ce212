// One row of `npm run bench`'s table: a figure, and where it compares, its ratio and target.
export interface BenchRow {
  section: string;
  measure: string;
  /** The figure as printed (units included). */
  value: string;
  /** A ratio measured side by side in the same run (lower is better unless said). */
  ratio?: number;
  /** What the ratio is of, e.g. "÷ irreducible". */
  ratioOf?: string;
  /** The target on the ratio (or on the value when there is no ratio), e.g. "≤ 1.1". */
  target?: string;
  met?: boolean;
  note?: string;
}

export const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

export const ms = (value: number): string =>
  value >= 10_000 ? `${(value / 1000).toFixed(1)} s` : value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${value.toFixed(0)} ms`;

/** Progress lines go to stderr; stdout carries the table only. */
export const say = (message: string): void => {
  process.stderr.write(`${message}\n`);
};

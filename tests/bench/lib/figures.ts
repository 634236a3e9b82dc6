/**
 * What a benchmark reports: figures in the shape `--out` writes, plus the words the doc
 * needs (what the baseline is, how the value was measured).
 */

/** One measured figure as `--out` writes it. */
export interface Figure {
  name: string;
  value: number;
  unit: string;
  /** The naive way, measured in the same run; null only where no naive way exists. */
  baseline: number | null;
  /** value / baseline. */
  ratio: number | null;
  /** The goal as text, e.g. "<= 10 ms" or "ratio <= 0.01"; null for figures without one. */
  target: string | null;
  met: boolean | null;
}

/** A goal on a figure's value or on its ratio to the baseline. */
export interface Target {
  on: 'value' | 'ratio';
  op: '<=' | '>=';
  limit: number;
}

/** A figure with its explanation for the doc. */
export interface Result {
  figure: Figure;
  /** What the baseline measures, in a few words. */
  baselineIs: string;
  /** How the value was obtained (sizes, repetitions, extra numbers). */
  detail: string;
}

export interface FigureSpec {
  name: string;
  value: number;
  unit: string;
  baseline: number | null;
  baselineIs: string;
  target?: Target;
  detail: string;
}

/** Rounds for display and JSON: enough digits to be useful, no float noise. */
export function round(value: number): number {
  if (!Number.isFinite(value)) return value;
  const abs = Math.abs(value);
  const digits = abs >= 100 ? 1 : abs >= 1 ? 2 : abs >= 0.01 ? 4 : 6;
  return Number(value.toFixed(digits));
}

export function targetText(t: Target): string {
  return `${t.on === 'ratio' ? 'ratio ' : ''}${t.op === '<=' ? '≤' : '≥'} ${t.limit}`;
}

/** Builds a Result: ratio against the baseline and whether the target is met. */
export function result(spec: FigureSpec): Result {
  const ratio = spec.baseline !== null && spec.baseline !== 0 ? spec.value / spec.baseline : null;
  let met: boolean | null = null;
  if (spec.target) {
    const subject = spec.target.on === 'ratio' ? ratio : spec.value;
    met =
      subject === null || !Number.isFinite(subject)
        ? false
        : spec.target.op === '<='
          ? subject <= spec.target.limit
          : subject >= spec.target.limit;
  }
  return {
    figure: {
      name: spec.name,
      value: round(spec.value),
      unit: spec.unit,
      baseline: spec.baseline === null ? null : round(spec.baseline),
      ratio: ratio === null ? null : round(ratio),
      target: spec.target ? targetText(spec.target) : null,
      met,
    },
    baselineIs: spec.baselineIs,
    detail: spec.detail,
  };
}

/** By how much a missed target is missed, in words ("3.2× the limit"). */
export function shortfall(spec: Figure): string | null {
  if (spec.met !== false || spec.target === null) return null;
  const m = /(ratio )?(≤|≥) ([\d.]+)/.exec(spec.target);
  if (!m) return null;
  const subject = m[1] ? spec.ratio : spec.value;
  const limit = Number(m[3]);
  if (subject === null || limit === 0) return 'no value';
  return m[2] === '≤'
    ? `${round(subject / limit)}× the limit (${round(subject)} vs ${limit})`
    : `${round((subject / limit) * 100)}% of the goal (${round(subject)} vs ${limit})`;
}

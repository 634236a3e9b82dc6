/** Benchmark sizes: full (the figures), quick (every benchmark in < 3 min), smoke (tests). */
export type Size = 'full' | 'quick' | 'smoke';

export const SIZES: readonly Size[] = ['full', 'quick', 'smoke'];

/** Picks the parameter for the size being run. */
export function bySize<T>(size: Size, values: Record<Size, T>): T {
  return values[size];
}

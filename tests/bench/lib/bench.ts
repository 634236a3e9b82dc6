/** What every benchmark module exports, and what it is handed. */
import type { Result } from './figures';
import type { Size } from './sizes';

export interface BenchContext {
  size: Size;
  /** Progress for the person watching; not part of the figures. */
  log(message: string): void;
}

export interface Benchmark {
  name: string;
  /** How its figures' names start, when not with `name`. */
  figurePrefix?: string;
  /** What is measured, one line, for the doc. */
  what: string;
  run(ctx: BenchContext): Promise<Result[]>;
}

/** `window.bench` and `window.pouchBench`, as the driver sees them inside page.evaluate. */
import type { BenchApi } from './entry';
import type { PouchBenchApi } from './pouch-entry';

declare global {
  interface Window {
    bench: BenchApi;
    pouchBench: PouchBenchApi;
  }
}

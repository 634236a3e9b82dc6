/** `window.bench`, as the driver sees it inside page.evaluate. */
import type { BenchApi } from './entry';

declare global {
  interface Window {
    bench: BenchApi;
  }
}

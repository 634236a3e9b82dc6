/**
 * `recentlyChanged`: ids touched by remote changes, kept for a moment so the UI can
 * briefly highlight the row another device just edited.
 */
import type { StoreApi } from 'zustand/vanilla';

export interface Highlighter {
  mark(ids: Iterable<string>): void;
  dispose(): void;
}

export function createHighlighter(
  store: StoreApi<{ recentlyChanged: Record<string, number> }>,
  durationMs: number,
  now: () => number,
): Highlighter {
  let timer: ReturnType<typeof setTimeout> | null = null;

  /** One timer per store, not per id: it drops what has expired and re-arms while any remain. */
  function scheduleSweep(): void {
    timer = setTimeout(() => {
      timer = null;
      const cutoff = now() - durationMs;
      const kept = Object.entries(store.getState().recentlyChanged).filter(([, at]) => at > cutoff);
      store.setState({ recentlyChanged: Object.fromEntries(kept) });
      if (kept.length > 0) scheduleSweep();
    }, durationMs);
    // A highlight must not keep a Node process (tests, tools) alive.
    (timer as { unref?: () => void }).unref?.();
  }

  return {
    mark(ids) {
      const at = now();
      const next = { ...store.getState().recentlyChanged };
      for (const id of ids) next[id] = at;
      store.setState({ recentlyChanged: next });
      if (!timer) scheduleSweep();
    },
    dispose() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}

/**
 * When the browser freezes or restores a tab. A frozen tab runs no JavaScript at all (the
 * Page Lifecycle API's `freeze`: a background tab frozen to save power, a discarded-soon
 * tab, a page entering the back/forward cache), yet keeps what it holds, Web Locks
 * included: so `onSuspend` is its last chance to let go of the event stream.
 */

export interface LifecycleHandlers {
  /** The tab is about to be frozen; runs synchronously, before any of its JS stops. */
  onSuspend(): void;
  /** The tab runs again after a freeze. */
  onResume(): void;
}

/** Subscribes to suspend / resume; returns the unsubscribe. */
export type PageLifecycle = (handlers: LifecycleHandlers) => () => void;

/** The page's document and window, as far as the lifecycle needs them. */
export interface LifecycleSources {
  document: Pick<Document, 'addEventListener' | 'removeEventListener'>;
  window: Pick<Window, 'addEventListener' | 'removeEventListener'>;
}

/**
 * `freeze` / `resume` on the document (Chromium), and `pagehide` / `pageshow` with
 * `persisted` on the window: the back/forward cache, where WebKit and Firefox freeze a
 * page without a `freeze` event. Both fire in Chromium; the handlers must be idempotent.
 */
export function watchPageLifecycle(sources: LifecycleSources, handlers: LifecycleHandlers): () => void {
  const onFreeze = () => handlers.onSuspend();
  const onResume = () => handlers.onResume();
  const onPageHide = (event: Event) => {
    if ((event as PageTransitionEvent).persisted) handlers.onSuspend();
  };
  const onPageShow = (event: Event) => {
    if ((event as PageTransitionEvent).persisted) handlers.onResume();
  };
  sources.document.addEventListener('freeze', onFreeze);
  sources.document.addEventListener('resume', onResume);
  sources.window.addEventListener('pagehide', onPageHide);
  sources.window.addEventListener('pageshow', onPageShow);
  return () => {
    sources.document.removeEventListener('freeze', onFreeze);
    sources.document.removeEventListener('resume', onResume);
    sources.window.removeEventListener('pagehide', onPageHide);
    sources.window.removeEventListener('pageshow', onPageShow);
  };
}

/** The browser page's lifecycle, or null where there is no page (Node). */
export function browserLifecycle(): PageLifecycle | null {
  const g = globalThis as { document?: Document; window?: Window };
  const { document, window } = g;
  if (!document || !window) return null;
  return (handlers) => watchPageLifecycle({ document, window }, handlers);
}

import { describe, expect, it } from 'vitest';
import { type LifecycleSources, watchPageLifecycle } from '../../src/sync/pageLifecycle';

/** A pagehide / pageshow event; Node has no PageTransitionEvent. */
const transition = (type: 'pagehide' | 'pageshow', persisted: boolean) =>
  Object.assign(new Event(type), { persisted });

describe('page lifecycle', () => {
  it('freeze and a page kept in the back/forward cache suspend; resume and its restore resume', () => {
    const document = new EventTarget();
    const window = new EventTarget();
    const seen: string[] = [];
    const stop = watchPageLifecycle({ document, window } as unknown as LifecycleSources, {
      onSuspend: () => seen.push('suspend'),
      onResume: () => seen.push('resume'),
    });
    document.dispatchEvent(new Event('freeze'));
    document.dispatchEvent(new Event('resume'));
    window.dispatchEvent(transition('pagehide', true));
    window.dispatchEvent(transition('pageshow', true));
    // A page that unloads for good (persisted false), or a first load, is no freeze.
    window.dispatchEvent(transition('pagehide', false));
    window.dispatchEvent(transition('pageshow', false));
    expect(seen).toEqual(['suspend', 'resume', 'suspend', 'resume']);
    stop();
    document.dispatchEvent(new Event('freeze'));
    window.dispatchEvent(transition('pagehide', true));
    expect(seen).toHaveLength(4);
  });
});

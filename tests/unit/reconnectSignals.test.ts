import { describe, expect, it } from 'vitest';
import { NETWORK_BACK } from '../../src/shared/workerMessages';
import { type SignalSources, watchReconnectSignals } from '../../src/sync/reconnect';

describe('reconnect signals', () => {
  it('network back, the tab visible again and the service worker message each run the check', () => {
    const win = new EventTarget();
    const doc = Object.assign(new EventTarget(), { visibilityState: 'hidden' as DocumentVisibilityState });
    const sw = new EventTarget();
    const reasons: string[] = [];
    const stop = watchReconnectSignals((r) => reasons.push(r), {
      window: win,
      document: doc,
      serviceWorker: sw,
    } as unknown as SignalSources);
    win.dispatchEvent(new Event('online'));
    doc.dispatchEvent(new Event('visibilitychange')); // hidden: nothing
    doc.visibilityState = 'visible';
    doc.dispatchEvent(new Event('visibilitychange'));
    sw.dispatchEvent(new MessageEvent('message', { data: { type: 'something-else' } }));
    sw.dispatchEvent(new MessageEvent('message', { data: { type: NETWORK_BACK } }));
    expect(reasons).toEqual([
      'network back (online event)',
      'tab visible again',
      'service worker: network back',
    ]);
    stop();
    win.dispatchEvent(new Event('online'));
    expect(reasons).toHaveLength(3);
  });
});

import { describe, expect, it } from 'vitest';
import { isNetworkBackMessage, NETWORK_BACK } from '../sw/messages';
import { NETWORK_BACK_MESSAGE } from '../sync/reconnect';

describe('the service worker message protocol', () => {
  it('the worker posts the very message type the engine listens for', () => {
    expect(NETWORK_BACK).toBe(NETWORK_BACK_MESSAGE);
    expect(isNetworkBackMessage({ type: NETWORK_BACK_MESSAGE, reason: 'probe' })).toBe(true);
  });
});

/** What Diagnostics says about the browser's promise to keep this device's data. */
import type { Persistence } from '../sync/persistence';

/** What happens when the promise is missing and the browser clears the data. */
const REFILL = 'If the browser clears it, the app reloads everything from the server the next time it opens.';

export function persistenceText(persistence: Persistence): string {
  switch (persistence.state) {
    case 'asking':
      return 'Asked the browser to keep this device’s data; no answer yet.';
    case 'persisted':
      return 'Kept: the browser promised not to clear this device’s data.';
    case 'refused':
      return `Not guaranteed: the browser refused to promise it keeps this device’s data, and may clear it (Safari in a tab: after 7 days without a visit). ${REFILL}`;
    case 'failed':
      return `Not guaranteed: asking the browser to keep this device’s data failed (${persistence.message}). ${REFILL}`;
    case 'unavailable':
      return `Not guaranteed: this browser cannot promise to keep this device’s data. ${REFILL}`;
  }
}

import { describe, expect, it } from 'vitest';
import { openTestDb } from './support/setup';

const meta = (lastVersion: number) => ({
  resource: 'product' as const,
  lastVersion,
  epoch: 'e1',
  digest: '0',
});

describe('a tab about to be frozen lets go of IndexedDB', () => {
  it('aborts the transaction under way: it writes nothing, and the other tab can write at once', async () => {
    const frozen = openTestDb();
    const other = openTestDb(frozen.name);
    await Promise.all([frozen.open(), other.open()]);
    let aborted = -1;
    const interrupted = frozen.transaction('rw', frozen.sync_meta, async () => {
      await frozen.sync_meta.put(meta(1));
      // The freeze arrives between two requests of one transaction.
      aborted = frozen.abortOpenTransactions();
      await frozen.sync_meta.put(meta(2));
    });
    // The next request of the aborted transaction is refused; the whole transaction fails.
    await expect(interrupted).rejects.toMatchObject({ name: 'InvalidStateError' });
    expect(aborted).toBe(1);
    expect(await frozen.sync_meta.get('product')).toBeUndefined();

    await other.sync_meta.put(meta(7));
    expect(await frozen.sync_meta.get('product')).toEqual(meta(7));
    frozen.close();
    other.close();
  });
});

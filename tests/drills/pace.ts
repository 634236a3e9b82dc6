/**
 * How the runner reads many clients: a few at a time. Fifty Chromium renderers on two
 * cores all asked at once (read IndexedDB, open Diagnostics, collect garbage) answer
 * together only after every one has had its turn, so each read would need a limit as long
 * as the whole pass; read a few at a time and each keeps a limit of its own, while the
 * limits of a whole pass grow with the number of clients.
 */

/** Clients read at once: enough to overlap the round trips, few enough for two cores. */
export const READ_CONCURRENCY = 5;

/** Time a pass over the clients may take beyond the first group, per further group. */
export const PER_GROUP_MS = 2_000;

/** Runs `task` for every item, at most `limit` at a time; results in the items' order. */
export async function mapLimited<T, R>(
  items: readonly T[],
  task: (item: T, index: number) => Promise<R>,
  limit = READ_CONCURRENCY,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * What a whole pass over `clients` read a few at a time adds to a limit: nothing while
 * they fit in one group (the drills' stated limits hold as they are), then
 * PER_GROUP_MS for each further group.
 */
export function passAllowanceMs(clients: number): number {
  return Math.max(0, Math.ceil(clients / READ_CONCURRENCY) - 1) * PER_GROUP_MS;
}

/** The sentence the report prints about how the clients were read. */
export function readingNote(clients: number): string {
  return `clients read ${READ_CONCURRENCY} at a time; limits of a pass over all ${clients} include ${passAllowanceMs(clients) / 1000} s for the further groups (${PER_GROUP_MS / 1000} s each)`;
}

/**
 * What a drill reads from a tab's Diagnostics page, the way staff or support would: the
 * types table (the tab's in-memory stores), the time the page takes to become readable,
 * and the sync log through its "Export log" button. The log list on the page shows only
 * the rows on screen, so whole logs are read from the export, never from the DOM.
 */
import type { Page } from 'playwright-core';
import { RESOURCE_NAMES } from '../../src/shared/resources';
import type { SyncLogEntry } from '../../src/sync/types';

/** A tab that does not answer within `ms` is reported, not waited on forever. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Opens #/diagnostics and measures, in the page, the ms until the types table (all ten
 * rows) and the first sync log row are in the document and laid out; then goes back to
 * the screen the tab showed. Measured in the page, so the figure is the tab's own work,
 * not the time the browser took to pass the question on.
 */
export async function timeDiagnostics(page: Page, limitMs = 30_000): Promise<number> {
  // No named functions inside: tsx's keepNames would wrap them in a helper pages lack.
  const measure = page.evaluate(
    async ([types, limit]) => {
      const list = '[aria-label="Sync log"]';
      const back = window.location.hash;
      let end = performance.now() + limit;
      if (document.querySelector(list)) {
        window.location.hash = '#/menu';
        while (document.querySelector(list)) {
          if (performance.now() > end) throw new Error(`Diagnostics: not left within ${limit} ms`);
          await new Promise((resolve) => setTimeout(resolve, 0));
        }
      }
      const started = performance.now();
      end = started + limit;
      window.location.hash = '#/diagnostics';
      while (
        document.querySelectorAll('tr[data-resource]').length !== types ||
        !document.querySelector(`${list} li`)
      ) {
        if (performance.now() > end)
          throw new Error(`Diagnostics: table and first log row not readable within ${limit} ms`);
        await new Promise((resolve) => setTimeout(resolve, 0));
      }
      // Reading a layout figure makes the browser lay the page out now: part of the wait.
      void document.body.offsetHeight;
      const ms = performance.now() - started;
      window.location.hash = back || '#/menu';
      return ms;
    },
    [RESOURCE_NAMES.length, limitMs] as const,
  );
  return withTimeout(measure, limitMs + 5_000, 'opening Diagnostics');
}

/** Runs `task` with the tab on #/diagnostics, then takes it back to the screen it showed. */
async function onDiagnostics<T>(page: Page, task: () => Promise<T>): Promise<T> {
  const back = await page.evaluate(() => {
    const hash = window.location.hash;
    window.location.hash = '#/diagnostics';
    return hash;
  });
  try {
    return await task();
  } finally {
    await page
      .evaluate((hash) => {
        window.location.hash = hash || '#/menu';
      }, back)
      .catch(() => undefined);
  }
}

/**
 * Waits up to `timeoutMs` until the tab's Diagnostics page shows `digests` for every type;
 * returns null, or what it shows instead. Goes back to the screen the tab showed.
 */
export function diagnosticsShow(
  page: Page,
  digests: Record<string, string>,
  timeoutMs: number,
): Promise<string | null> {
  return onDiagnostics(page, async () => {
    try {
      await withTimeout(
        page.waitForFunction(
          (expected) =>
            Object.entries(expected).every(
              ([resource, digest]) =>
                document.querySelector(`tr[data-resource="${resource}"] [data-testid="digests"] code`)
                  ?.textContent === digest,
            ),
          digests,
          { timeout: timeoutMs, polling: 250 },
        ),
        timeoutMs + 5000,
        'the Diagnostics table',
      );
      return null;
    } catch (err) {
      const shown = await withTimeout(
        page.$$eval('tr[data-resource]', (rows) =>
          rows.map(
            (r) =>
              `${r.getAttribute('data-resource')} ${r.querySelector('[data-testid="digests"] code')?.textContent}`,
          ),
        ),
        5000,
        'reading the Diagnostics table',
      ).catch(() => []);
      const off = shown.filter((line) => {
        const [resource, digest] = line.split(' ');
        return digests[resource!] !== digest;
      });
      const reason = err instanceof Error ? err.message.split('\n')[0] : String(err);
      return `(${reason}) shows ${off.length > 0 ? off.join(', ') : 'no readable table'}`;
    }
  });
}

/**
 * The tab's whole sync log, oldest first, as its "Export log" button saves it (the
 * engine's in-memory log, so also lines that storage could not keep). Goes back after.
 */
export function exportedLog(page: Page, timeoutMs = 30_000): Promise<SyncLogEntry[]> {
  const read = async () => {
    const download = page.waitForEvent('download', { timeout: timeoutMs });
    await page.getByRole('button', { name: 'Export log' }).click({ timeout: timeoutMs });
    const stream = await (await download).createReadStream();
    let text = '';
    for await (const chunk of stream) text += String(chunk);
    return (JSON.parse(text) as { entries: SyncLogEntry[] }).entries;
  };
  return onDiagnostics(page, () => withTimeout(read(), timeoutMs + 5000, 'exporting the sync log'));
}

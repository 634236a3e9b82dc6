/**
 * The sync log as the Diagnostics page lists it, newest first, in a box that scrolls on its
 * own. Only the rows in view (and a few either side) are in the document: the log keeps up
 * to its capacity and grows by a line per event, and a screen that rebuilt every line for
 * every event took most of a tablet's time once the log was full (docs/DRILLS.md, soak).
 * Each row carries its kind in `data-kind` for QA; a fault injected by a drill is labelled
 * and styled apart, so a person reading the log during a drill does not take it for a bug.
 * Whole logs are read from "Export log", not from this list.
 */
import { useVirtualizer } from '@tanstack/react-virtual';
import { memo, useLayoutEffect, useRef } from 'react';
import type { SyncLogEntry } from '../../sync/types';
import { formatClock } from '../format';

/** A one-line row's height (px) until the row is measured. */
const ROW_PX = 37;
/** Rows kept beyond each edge of the box, so a quick scroll never shows blank space. */
const OVERSCAN = 8;
/** The box's size before it is measured (first render, server render): a tablet's 50vh. */
const INITIAL_VIEW = { width: 960, height: 400 };

function SyncLogRow({ entry }: { entry: SyncLogEntry }) {
  return (
    <>
      <time className="log__time">{formatClock(entry.at)}</time>
      <span className="log__kind">
        {entry.drill ? (
          <span className="badge badge--injected" title={`${entry.kind}: drill fault “${entry.drill}”`}>
            Injected fault
          </span>
        ) : (
          entry.kind
        )}
      </span>
      <span className="log__resource">{entry.resource ?? ''}</span>
      <span className="log__message">{entry.message}</span>
    </>
  );
}

/** Memoised: the page re-renders on every heartbeat, the list only when the log changes. */
export const SyncLogList = memo(function SyncLogList({ entries }: { entries: SyncLogEntry[] }) {
  const box = useRef<HTMLDivElement>(null);
  const count = entries.length;
  // Row i shows the i-th newest entry.
  const at = (i: number) => entries[count - 1 - i];
  const virtualizer = useVirtualizer({
    count,
    getScrollElement: () => box.current,
    estimateSize: () => ROW_PX,
    overscan: OVERSCAN,
    // Keyed by seq, so a measured height stays with its line as new lines push it down.
    getItemKey: (i) => at(i)?.seq ?? i,
    initialRect: INITIAL_VIEW,
  });

  // Someone reading older lines keeps them in view while new lines arrive above.
  const newest = useRef(entries[count - 1]?.seq ?? 0);
  useLayoutEffect(() => {
    const seq = entries[entries.length - 1]?.seq ?? 0;
    const added = seq > newest.current ? entries.filter((e) => e.seq > newest.current).length : 0;
    newest.current = seq;
    const el = box.current;
    if (el && added > 0 && el.scrollTop > 0) el.scrollTop += added * ROW_PX;
  }, [entries]);

  return (
    <div ref={box} className="log">
      <ol
        className="log__list"
        aria-label="Sync log"
        style={{ height: count === 0 ? undefined : virtualizer.getTotalSize() }}
      >
        {virtualizer.getVirtualItems().map((row) => {
          const entry = at(row.index)!;
          return (
            <li
              key={row.key}
              ref={virtualizer.measureElement}
              className={`log__entry log__entry--${entry.kind}${entry.drill ? ' log__entry--injected' : ''}`}
              data-kind={entry.kind}
              data-drill={entry.drill}
              data-index={row.index}
              aria-setsize={count}
              aria-posinset={row.index + 1}
              style={{ transform: `translateY(${row.start}px)` }}
            >
              <SyncLogRow entry={entry} />
            </li>
          );
        })}
        {count === 0 && <li className="empty">Nothing logged yet.</li>}
      </ol>
    </div>
  );
});

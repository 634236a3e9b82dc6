import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import type { SyncLogEntry } from '../../sync/types';
import { SyncLogList } from './SyncLogList';

const at = Date.UTC(2026, 0, 1, 12, 0, 0);

describe('the sync log on the Diagnostics page', () => {
  it('labels a fault injected by a drill and sets it apart from ordinary faults', () => {
    const entries: SyncLogEntry[] = [
      { seq: 1, at, kind: 'fault', message: 'unreadable sync event; ignored' },
      {
        seq: 2,
        at,
        kind: 'fault',
        message: 'Injected fault: Drill: dropping the next 5 product sync events',
        drill: 'drop',
      },
    ];
    const html = renderToStaticMarkup(createElement(SyncLogList, { entries }));
    const rows = html.match(/<li[^>]*>.*?<\/li>/g) ?? [];
    expect(rows).toHaveLength(2);
    // Newest first: the injected fault, labelled and styled as such.
    expect(rows[0]).toContain('class="log__entry log__entry--fault log__entry--injected"');
    expect(rows[0]).toContain('data-kind="fault" data-drill="drop"');
    expect(rows[0]).toContain(
      '<span class="badge badge--injected" title="fault: drill fault “drop”">Injected fault</span>',
    );
    expect(rows[0]).toContain(
      '<span class="log__message">Injected fault: Drill: dropping the next 5 product sync events</span>',
    );
    // An ordinary fault keeps its plain kind, without the label.
    expect(rows[1]).toContain('class="log__entry log__entry--fault"');
    expect(rows[1]).not.toContain('data-drill');
    expect(rows[1]).toContain('<span class="log__kind">fault</span>');
  });
});

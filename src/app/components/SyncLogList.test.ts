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

  it('puts only a screenful of a full log in the document, newest first, each row placed in the whole', () => {
    const entries: SyncLogEntry[] = Array.from({ length: 500 }, (_, i) => ({
      seq: i + 1,
      at,
      kind: 'applied',
      resource: 'product',
      message: `applied v${i + 1}..v${i + 1}`,
    }));
    const html = renderToStaticMarkup(createElement(SyncLogList, { entries }));
    const rows = html.match(/<li[^>]*>.*?<\/li>/g) ?? [];
    // 400 px of 37 px rows before the box is measured, and the overscan below them.
    expect(rows).toHaveLength(19);
    rows.forEach((row, i) => {
      expect(row).toContain(`aria-setsize="500" aria-posinset="${i + 1}"`);
      expect(row).toContain(`<span class="log__message">applied v${500 - i}..v${500 - i}</span>`);
      expect(row).toContain(`transform:translateY(${i * 37}px)`);
    });
    // The list is as tall as every line, so the scroll bar tells how long the log is.
    expect(html).toContain('<ol class="log__list" aria-label="Sync log" style="height:18500px">');
  });

  it('says so when nothing is logged yet', () => {
    const html = renderToStaticMarkup(createElement(SyncLogList, { entries: [] }));
    expect(html).toBe(
      '<div class="log"><ol class="log__list" aria-label="Sync log"><li class="empty">Nothing logged yet.</li></ol></div>',
    );
  });
});

/** Zones and their tables on the floor plan (positions on a 0-1000 grid, scaled to the screen). */
import { useState } from 'react';
import type { Item } from '../../shared/resources';
import { EmptyState } from '../components/EmptyState';
import { byDisplayOrder, useIsLoading, useItems, useRecentlyChanged, useSortedItems } from '../hooks';

/** Grid units of the floor plan along each axis. */
const GRID = 1000;

function TableMarker({ table, highlighted }: { table: Item<'dining_table'>; highlighted: boolean }) {
  // Bigger tables draw bigger, within limits that keep neighbours apart on a tablet.
  const size = Math.min(15, 8 + table.seats * 0.7);
  return (
    <li
      className={`table table--${table.shape}${highlighted ? ' flash' : ''}`}
      data-table-id={table.id}
      style={{
        left: `${(table.x / GRID) * 100}%`,
        top: `${(table.y / GRID) * 100}%`,
        width: `${table.shape === 'rect' ? size * 1.6 : size}%`,
        height: `${size}%`,
      }}
    >
      <span className="table__name">{table.name}</span>
      <span className="table__seats">{table.seats} seats</span>
    </li>
  );
}

export function FloorScreen() {
  const zones = useSortedItems('zone');
  const tables = useItems('dining_table');
  const changed = useRecentlyChanged('dining_table');
  const loading = useIsLoading('zone');
  const [chosen, setChosen] = useState<string | null>(null);
  const zone = zones.find((z) => z.id === chosen) ?? zones[0];
  const zoneTables = zone ? tables.filter((t) => t.zoneId === zone.id).sort(byDisplayOrder) : [];
  const seats = zoneTables.reduce((sum, t) => sum + t.seats, 0);

  return (
    <section className="screen floor" aria-labelledby="floor-title">
      <div className="screen__header">
        <h1 id="floor-title">Floor</h1>
        {zone && (
          <p className="muted">
            {zoneTables.length} tables · {seats} seats
          </p>
        )}
      </div>
      <fieldset className="chips">
        <legend className="visually-hidden">Zones</legend>
        {zones.map((z) => (
          <button
            key={z.id}
            type="button"
            className="chip"
            aria-pressed={z.id === zone?.id}
            onClick={() => setChosen(z.id)}
          >
            {z.name}
            <span className="chip__count">{tables.filter((t) => t.zoneId === z.id).length}</span>
          </button>
        ))}
      </fieldset>
      {!zone && <EmptyState loading={loading}>No zones yet. Add them under Manage.</EmptyState>}
      {zone && (
        <div className="floorplan" role="img" aria-label={`Floor plan of ${zone.name}`}>
          <ul className="floorplan__tables">
            {zoneTables.map((t) => (
              <TableMarker key={t.id} table={t} highlighted={t.id in changed} />
            ))}
          </ul>
          {zoneTables.length === 0 && <p className="floorplan__empty">No tables in {zone.name}.</p>}
        </div>
      )}
    </section>
  );
}

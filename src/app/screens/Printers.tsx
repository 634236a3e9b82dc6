/** Print destinations: where kitchen, bar and receipt tickets go, and which products use each. */
import { EmptyState } from '../components/EmptyState';
import { useIsLoading, useItems, useRecentlyChanged, useSortedItems } from '../hooks';

const KIND_LABELS = { kitchen: 'Kitchen', bar: 'Bar', receipt: 'Receipt' } as const;

export function PrintersScreen() {
  const printers = useSortedItems('print_destination');
  const products = useItems('product');
  const changed = useRecentlyChanged('print_destination');
  const loading = useIsLoading('print_destination');

  return (
    <section className="screen printers" aria-labelledby="printers-title">
      <div className="screen__header">
        <h1 id="printers-title">Printers</h1>
      </div>
      {printers.length === 0 && <EmptyState loading={loading}>No printers set up.</EmptyState>}
      <ul className="card-grid">
        {printers.map((p) => {
          const routed = products.filter((product) => product.printDestinationId === p.id);
          return (
            <li
              key={p.id}
              className={`card printer${changed[p.id] ? ' flash' : ''}${p.active ? '' : ' row--dim'}`}
            >
              <div className="printer__head">
                <h2 className="printer__name">{p.name}</h2>
                <span className={`badge badge--${p.kind}`}>{KIND_LABELS[p.kind]}</span>
              </div>
              <p className="printer__address">
                <code>{p.address}</code>
                {!p.active && <span className="badge">Off</span>}
              </p>
              <p className="muted">
                {routed.length === 0
                  ? 'No products print here.'
                  : `${routed.length} product${routed.length === 1 ? '' : 's'}: ${routed
                      .slice(0, 6)
                      .map((r) => r.name)
                      .join(', ')}${routed.length > 6 ? '…' : ''}`}
              </p>
            </li>
          );
        })}
      </ul>
    </section>
  );
}

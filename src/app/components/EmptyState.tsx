/** What a list shows with nothing in it: "Loading…" until the type was ever loaded, then the reason. */
import type { ReactNode } from 'react';

export function EmptyState({ loading, children }: { loading: boolean; children: ReactNode }) {
  return <p className="empty">{loading ? 'Loading…' : children}</p>;
}

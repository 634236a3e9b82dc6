/**
 * Convergence, judged the contract's way: a device holds exactly the server's data when,
 * for every type, the digest of the items in its IndexedDB (computed here with the same
 * shared implementation the server uses), the digest and version in its `sync_meta` row,
 * and its epoch all equal the server's, and its outbox is empty (everything written on the
 * device reached the server).
 */

import { digestOf } from '../../src/shared/digest';
import type { SyncStatus } from '../../src/shared/protocol';
import { RESOURCE_NAMES, type ResourceName } from '../../src/shared/resources';
import type { HeldState } from './client';

/** One type on one device next to the server. */
export interface TypeComparison {
  resource: ResourceName;
  /** Digest of the items the device holds. */
  heldDigest: string;
  heldCount: number;
  /** What its sync_meta row says. */
  metaVersion: number | null;
  metaDigest: string | null;
  metaEpoch: string | null;
  serverVersion: number;
  serverDigest: string;
  serverCount: number;
  ok: boolean;
}

export interface DeviceComparison {
  types: TypeComparison[];
  outbox: Record<string, number>;
  converged: boolean;
}

export function compare(server: SyncStatus, held: HeldState): DeviceComparison {
  const types = RESOURCE_NAMES.map((resource): TypeComparison => {
    const { items, meta } = held.types[resource];
    const heldDigest = digestOf(items);
    const row: TypeComparison = {
      resource,
      heldDigest,
      heldCount: items.length,
      metaVersion: meta?.lastVersion ?? null,
      metaDigest: meta?.digest ?? null,
      metaEpoch: meta?.epoch ?? null,
      serverVersion: server.versions[resource],
      serverDigest: server.digests[resource],
      serverCount: server.counts[resource],
      ok: false,
    };
    row.ok =
      heldDigest === row.serverDigest &&
      row.metaDigest === row.serverDigest &&
      row.metaVersion === row.serverVersion &&
      row.metaEpoch === server.epoch;
    return row;
  });
  const outboxEmpty = Object.values(held.outbox).every((n) => n === 0);
  return { types, outbox: held.outbox, converged: outboxEmpty && types.every((t) => t.ok) };
}

/** One line per type: `product  v57 3f2a9c0d1e2b4f5a  server v57 3f2a9c0d1e2b4f5a  ok`. */
export function formatComparison(c: DeviceComparison, serverEpoch: string): string[] {
  const lines = c.types.map((t) => {
    const held = `v${t.metaVersion ?? '-'} ${t.heldDigest} (${t.heldCount} items)`;
    const server = `server v${t.serverVersion} ${t.serverDigest} (${t.serverCount})`;
    const why: string[] = [];
    if (t.heldDigest !== t.serverDigest) why.push('items differ');
    if (t.metaDigest !== t.heldDigest) why.push(`meta digest ${t.metaDigest ?? 'missing'}`);
    if (t.metaVersion !== t.serverVersion) why.push('version differs');
    if (t.metaEpoch !== serverEpoch) why.push(`epoch ${t.metaEpoch?.slice(0, 8) ?? 'missing'}`);
    return `${t.resource.padEnd(18)} ${held.padEnd(38)} ${server.padEnd(36)} ${t.ok ? 'ok' : `DIFFERS: ${why.join(', ')}`}`;
  });
  const outbox = Object.entries(c.outbox)
    .filter(([, n]) => n > 0)
    .map(([state, n]) => `${n} ${state}`);
  lines.push(`outbox: ${outbox.length === 0 ? 'empty' : outbox.join(', ')}`);
  return lines;
}

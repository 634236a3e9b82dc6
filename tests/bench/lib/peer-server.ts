/**
 * The PouchDB peer's server from the driver's side: its process (clients/couch-server.ts),
 * and the catalogue copied into it from our server, so both peers serve the same items.
 *
 * Layout: one database, `catalogue`, one document per item with `_id` = `<type>:<id>` and
 * the item's fields (our `id` and `version` are replaced by `_id` and `_rev`). PouchDB's
 * docs recommend type-prefixed ids in one database ("use and abuse your doc IDs",
 * prefix ranges with allDocs) over a database per type, and one database means one
 * replication and one long-poll connection instead of ten.
 */
import type { Snapshot } from '../../../src/shared/protocol';
import { RESOURCE_NAMES, RESOURCES } from '../../../src/shared/resources';
import type { CouchServerReply, CouchServerRequest } from '../clients/messages';
import { ClientProcess } from './children';
import { ApiClient } from './http';

export const PEER_DB = 'catalogue';
/** Documents per _bulk_docs request while loading: bounded request bodies. */
const LOAD_BATCH = 5000;

export interface CatalogueDoc {
  _id: string;
  [field: string]: unknown;
}

export interface PeerServer {
  url: string;
  port: number;
  /** The driver's client of the peer server (no auth: express-pouchdb's admin party). */
  api: ApiClient;
  docCount(): Promise<number>;
  /** Cuts every connection, is unreachable for `downMs`, listens again on the same port over the same data. */
  restart(downMs: number): Promise<{ droppedConnections: number }>;
  close(): Promise<void>;
}

export async function startPeerServer(): Promise<PeerServer> {
  const child = new ClientProcess<CouchServerRequest, CouchServerReply>('couch-server.ts');
  try {
    const { port } = await child.request({ type: 'listen' }, 'listening', 60_000);
    const url = `http://127.0.0.1:${port}`;
    const api = new ApiClient(url);
    return {
      url,
      port,
      api,
      async docCount() {
        return (await api.ok<{ doc_count: number }>('GET', `/${PEER_DB}`)).doc_count;
      },
      async restart(downMs) {
        const reply = await child.request({ type: 'restart', downMs }, 'restarted', downMs + 30_000);
        return { droppedConnections: reply.droppedConnections };
      },
      async close() {
        api.close();
        await child.close();
      },
    };
  } catch (err) {
    await child.close();
    throw err;
  }
}

/** Every item of the ten types as served by our server, as peer documents. */
export async function catalogueDocs(ours: ApiClient): Promise<CatalogueDoc[]> {
  const docs: CatalogueDoc[] = [];
  for (const resource of RESOURCE_NAMES) {
    const snapshot = await ours.ok<Snapshot>('GET', RESOURCES[resource].collection);
    for (const item of snapshot.items) {
      const { id, version: _version, ...fields } = item as { id: string; version: number };
      docs.push({ _id: `${resource}:${id}`, ...fields });
    }
  }
  return docs;
}

/** Creates the peer's database and writes `docs` into it; checks the count it then holds. */
export async function loadPeer(peer: PeerServer, docs: CatalogueDoc[]): Promise<void> {
  await peer.api.ok('PUT', `/${PEER_DB}`);
  for (let start = 0; start < docs.length; start += LOAD_BATCH) {
    const rows = await peer.api.ok<{ error?: string }[]>('POST', `/${PEER_DB}/_bulk_docs`, {
      docs: docs.slice(start, start + LOAD_BATCH),
    });
    const failed = rows.filter((r) => r.error);
    if (failed.length > 0)
      throw new Error(`peer refused ${failed.length} document(s): ${JSON.stringify(failed[0])}`);
  }
  const count = await peer.docCount();
  if (count !== docs.length) throw new Error(`peer holds ${count} documents, expected ${docs.length}`);
}

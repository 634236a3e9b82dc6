/**
 * The parts of PouchDB 9 and express-pouchdb 4 the peer benchmark uses (they ship no
 * types): the browser edition in the page, and the server-side modules of the peer server.
 */

declare module 'pouchdb-browser' {
  export interface PouchDoc {
    _id: string;
    _rev: string;
    [field: string]: unknown;
  }

  export interface ReplicationResult {
    ok: boolean;
    docs_read: number;
    docs_written: number;
    doc_write_failures: number;
    last_seq: number | string;
    /** On `change`: the documents just written to the target. */
    docs?: PouchDoc[];
  }

  export interface ReplicationOptions {
    live?: boolean;
    retry?: boolean;
    batch_size?: number;
    batches_limit?: number;
    checkpoint?: false | 'source' | 'target';
    heartbeat?: number | false;
    timeout?: number;
    style?: 'all_docs' | 'main_only';
  }

  /** An event emitter that is also a promise of the final result (one-shot replications). */
  export interface Replication extends PromiseLike<ReplicationResult> {
    on(event: 'change' | 'complete', listener: (info: ReplicationResult) => void): this;
    on(event: 'paused', listener: (error?: unknown) => void): this;
    on(event: 'active', listener: () => void): this;
    on(event: 'error' | 'denied', listener: (error: unknown) => void): this;
    cancel(): void;
  }

  export interface DatabaseInfo {
    db_name: string;
    doc_count: number;
    update_seq: number | string;
    adapter?: string;
  }

  export interface DatabaseOptions {
    adapter?: 'idb' | 'indexeddb' | 'http';
    revs_limit?: number;
    auto_compaction?: boolean;
  }

  export default class PouchDB {
    constructor(name: string, options?: DatabaseOptions);
    readonly adapter: string;
    info(): Promise<DatabaseInfo>;
    get(id: string): Promise<PouchDoc>;
    replicate: { from(source: string | PouchDB, options?: ReplicationOptions): Replication };
    close(): Promise<void>;
  }
}

declare module 'pouchdb-core' {
  export interface PouchConstructor {
    plugin(plugin: unknown): PouchConstructor;
    defaults(options: { adapter: string }): PouchConstructor;
  }
  const PouchDB: PouchConstructor;
  export default PouchDB;
}

declare module 'pouchdb-adapter-memory' {
  const plugin: unknown;
  export default plugin;
}

declare module 'pouchdb-adapter-http' {
  const plugin: unknown;
  export default plugin;
}

declare module 'pouchdb-replication' {
  const plugin: unknown;
  export default plugin;
}

declare module 'pouchdb-mapreduce' {
  const plugin: unknown;
  export default plugin;
}

declare module 'express-pouchdb' {
  import type { RequestHandler } from 'express';
  import type { PouchConstructor } from 'pouchdb-core';

  export interface ExpressPouchOptions {
    /** `minimumForPouchDB`: only the routes PouchDB's replication and HTTP adapter use. */
    mode: 'minimumForPouchDB' | 'fullCouchDB' | 'custom';
    /** Keep the server config in memory instead of a config.json in the working directory. */
    inMemoryConfig?: boolean;
  }

  export default function expressPouchDB(
    PouchDB: PouchConstructor,
    options: ExpressPouchOptions,
  ): RequestHandler;
}

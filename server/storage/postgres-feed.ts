/**
 * The change feed: how one instance learns of every commit, whichever instance made it.
 *
 * The change log is the source of truth; NOTIFY only says "look now". Each instance keeps
 * the seq it has published up to and reads `changes WHERE seq > that ORDER BY seq`. Seqs
 * are allocated under the `log_state` row lock (see postgres-write.ts), so they become
 * visible strictly in seq order: when seq n is visible every lower seq is too, and
 * publishing the rows in seq order never skips or reorders a change — per type that is
 * version order. The log is read:
 * - on a notification (the payload is a seq; nothing to do if already published),
 * - after a local commit (no need to wait for the notification's round trip),
 * - when the LISTEN connection comes back after a loss (notifications in between are gone),
 * - every `pollMs` as a safety net, which also watches the deployment's epoch.
 * Reads are single-flight: one at a time, another one queued if asked meanwhile. They run
 * on the LISTEN connection itself, so publishing never waits behind request traffic for a
 * pooled connection (the pool is used only while that connection is being re-opened).
 */
import pg from 'pg';
import { type ChangeRow, toChange } from './items';
import { clientConfig, firstRow, type Queryable, rows, type StorageLog } from './postgres-pool';
import { CHANGES_CHANNEL } from './postgres-schema';
import type { Change } from './types';

export const CHANGE_COLUMNS = 'seq, resource, version, action, item_id, data';

export interface FeedOptions {
  url: string;
  /** Safety-net interval: read the log (and check the epoch) at least this often. */
  pollMs: number;
  /** This instance's epoch; another one in the database means history broke. */
  epoch: string;
  /** The newest seq at start: changes up to it are already in the state callers read. */
  startSeq: number;
  log: StorageLog;
}

/** Rows read per query; a backlog is read page by page, yielding in between. */
const PAGE = 500;
const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 5000;

export class ChangeFeed {
  private published: number;
  private readonly listeners = new Set<(changes: Change[]) => void>();
  private readonly breakListeners = new Set<(reason: string) => void>();
  private listener: pg.Client | null = null;
  private reading: Promise<void> | null = null;
  private readAgain = false;
  private stopped = false;
  private broken = false;
  private reconnectDelay = RECONNECT_MIN_MS;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private readonly pollTimer: NodeJS.Timeout;

  constructor(
    private readonly pool: pg.Pool,
    private readonly options: FeedOptions,
  ) {
    this.published = options.startSeq;
    this.pollTimer = setInterval(() => void this.poll(), options.pollMs);
    this.pollTimer.unref();
  }

  /** The newest seq handed to listeners. */
  get publishedSeq(): number {
    return this.published;
  }

  /** The LISTEN connection while it is up, else the pool. */
  private get db(): Queryable {
    return this.listener ?? this.pool;
  }

  /** Opens the LISTEN connection; a failure here fails the start. */
  async start(): Promise<void> {
    await this.listen();
  }

  onChanges(listener: (changes: Change[]) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Called once if the database's epoch changes or its log goes backwards (a restore). */
  onHistoryBreak(listener: (reason: string) => void): () => void {
    this.breakListeners.add(listener);
    return () => this.breakListeners.delete(listener);
  }

  /** Reads the log unless `seq` (when known) was already published. */
  kick(seq?: number): void {
    if (this.stopped || (seq !== undefined && seq <= this.published)) return;
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    this.reading = this.readLog()
      .catch((err: unknown) => this.options.log.warn({ err: String(err) }, 'reading the change log failed'))
      .finally(() => {
        this.reading = null;
        if (this.readAgain) {
          this.readAgain = false;
          this.kick();
        }
      });
  }

  /** Publishes every change after the last published seq, in seq order. */
  private async readLog(): Promise<void> {
    for (let page = 0; page < 20 && !this.stopped; page++) {
      const found = await rows<ChangeRow>(
        this.db,
        `SELECT ${CHANGE_COLUMNS} FROM changes WHERE seq > $1 ORDER BY seq LIMIT $2`,
        [this.published, PAGE],
      );
      if (found.length === 0 || this.stopped) return;
      const changes = found.map(toChange);
      this.published = changes[changes.length - 1]!.seq;
      for (const listener of this.listeners) listener(changes);
      if (found.length < PAGE) return;
    }
    this.readAgain = true; // a long backlog: carry on in the next turn, let others run
  }

  /** The safety net: catch up on anything a lost notification hid; watch the epoch. */
  private async poll(): Promise<void> {
    if (this.stopped || this.broken) return;
    const seen = this.published;
    try {
      const row = await firstRow<{ last_seq: number; epoch: string }>(
        this.db,
        'SELECT l.last_seq, d.epoch::text AS epoch FROM log_state l CROSS JOIN deployment d',
      );
      if (!row || this.stopped) return;
      if (row.epoch !== this.options.epoch) this.historyBroke(`the deployment's epoch is now ${row.epoch}`);
      else if (row.last_seq < seen)
        this.historyBroke(`the change log went back from seq ${seen} to ${row.last_seq}`);
      else if (row.last_seq > seen) this.kick();
    } catch (err) {
      this.options.log.warn({ err: String(err) }, 'polling the change log failed');
    }
  }

  private historyBroke(reason: string): void {
    this.broken = true;
    for (const listener of this.breakListeners) listener(reason);
  }

  private async listen(): Promise<void> {
    const client = new pg.Client(clientConfig(this.options.url, 'red-coral-feed'));
    client.on('notification', (msg) => {
      const seq = Number(msg.payload);
      this.kick(Number.isInteger(seq) ? seq : undefined);
    });
    client.on('error', (err) => this.lost(client, err));
    client.on('end', () => this.lost(client, null));
    try {
      await client.connect();
      await client.query(`LISTEN ${CHANGES_CHANNEL}`);
    } catch (err) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
      throw err;
    }
    this.listener = client;
    this.reconnectDelay = RECONNECT_MIN_MS;
    this.kick(); // whatever committed while nobody listened
  }

  /** The LISTEN connection died: reconnect with backoff; the poll covers the gap. */
  private lost(client: pg.Client, err: Error | null): void {
    if (this.listener !== client || this.stopped) return;
    this.listener = null;
    this.options.log.warn(
      { err: err?.message ?? 'connection ended' },
      'LISTEN connection lost; reconnecting',
    );
    client.removeAllListeners('end');
    client.end().catch(() => undefined);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnectTimer) return;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      this.listen().catch((err: unknown) => {
        this.options.log.warn({ err: String(err) }, 'LISTEN reconnect failed');
        this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MAX_MS);
        this.scheduleReconnect();
      });
    }, this.reconnectDelay);
    this.reconnectTimer.unref();
  }

  /** Stops polling, lets a read in progress finish (it may be on the LISTEN connection), stops listening. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.pollTimer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    await this.reading;
    const client = this.listener;
    this.listener = null;
    if (client) {
      client.removeAllListeners('end');
      await client.end().catch(() => undefined);
    }
  }
}

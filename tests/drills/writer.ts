/**
 * The "other device" of a drill: a back-office terminal that keeps editing the venue's
 * data through the REST API while the tablets suffer. Every write carries an
 * Idempotency-Key and is retried with the same key until the server answers (server
 * down, restarting, 503), so each write's outcome is known; the ledger keeps the last
 * acknowledged state of every item written, and `lostWrites` later checks it against the
 * server: a write the server acknowledged and then does not hold is a lost write.
 *
 * The writer edits a fixed set of items (the first products, tables, a category, a zone)
 * and creates and deletes its own tags, so the mix covers create, update and delete on
 * five types. The tablets' own edits (made through the UI) go to other items, so the two
 * never collide into a conflict that only a person could settle.
 */
import { randomUUID } from 'node:crypto';
import type { Item, ResourceName } from '../../src/shared/resources';
import { RESOURCES } from '../../src/shared/resources';
import { type ApiSession, DrillHttpError } from './http';

/** What the server must hold for one item at the end of a drill. */
export interface Expectation {
  resource: ResourceName;
  id: string;
  /** Deleted: the item must be gone. Otherwise these fields must have these values. */
  deleted: boolean;
  fields: Record<string, unknown>;
  /** Who wrote it: `writer` or a client's name. */
  by: string;
}

/** The last acknowledged state of every item written during a drill, by `resource/id`. */
export class Ledger {
  private readonly entries = new Map<string, Expectation>();

  record(expectation: Expectation): void {
    this.entries.set(`${expectation.resource}/${expectation.id}`, expectation);
  }

  /** Forgets everything (after a wipe, earlier writes are gone on purpose). */
  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }

  /** Each expectation the server's items break, as a sentence for the report. */
  lostWrites(serverItems: Map<ResourceName, Map<string, Item>>): string[] {
    const lost: string[] = [];
    for (const e of this.entries.values()) {
      const item = serverItems.get(e.resource)?.get(e.id) as Record<string, unknown> | undefined;
      if (e.deleted) {
        if (item) lost.push(`${e.resource} ${e.id}: deleted by ${e.by}, but the server still has it`);
        continue;
      }
      if (!item) {
        lost.push(`${e.resource} ${e.id}: written by ${e.by}, but the server does not have it`);
        continue;
      }
      for (const [field, value] of Object.entries(e.fields))
        if (JSON.stringify(item[field]) !== JSON.stringify(value))
          lost.push(
            `${e.resource} ${e.id}.${field}: ${e.by} wrote ${JSON.stringify(value)}, server has ${JSON.stringify(item[field])}`,
          );
    }
    return lost;
  }
}

/** The writer was signed out (the server was wiped): its session is gone. */
export class WriterSignedOut extends Error {}

interface WriteSpec {
  method: 'POST' | 'PATCH' | 'DELETE';
  resource: ResourceName;
  id: string;
  body?: Record<string, unknown>;
}

/** How long one write is retried before the drill calls it failed. */
const WRITE_DEADLINE_MS = 60_000;

const fieldsOf = (item: Record<string, unknown>) => {
  const { id: _id, version: _version, ...fields } = item;
  return fields;
};

export class Writer {
  /** Writes the server acknowledged. */
  acknowledged = 0;
  /** Attempts that found no server (down, restarting) or a 503 and were retried. */
  retries = 0;
  private targets: {
    products: Item<'product'>[];
    tables: Item<'dining_table'>[];
    category?: Item;
    zone?: Item;
  } = { products: [], tables: [] };
  private readonly ownTags: string[] = [];
  private counter = 0;
  private loop: Promise<void> | null = null;
  private running = false;
  private failure: Error | null = null;

  constructor(
    private readonly session: ApiSession,
    readonly ledger: Ledger,
    /** Writes per second while running. */
    private readonly rate: number,
  ) {}

  /** Products the writer never touches, for the tablets' own edits. */
  spareProducts: Item<'product'>[] = [];

  /** Reads the items to edit; again after a wipe (new ids). */
  async prepare(): Promise<void> {
    const [products, tables, categories, zones] = await Promise.all([
      this.session.list('product'),
      this.session.list('dining_table'),
      this.session.list('category'),
      this.session.list('zone'),
    ]);
    this.targets = {
      products: products.items.slice(0, 4),
      tables: tables.items.slice(0, 2),
      category: categories.items[0],
      zone: zones.items[0],
    };
    this.spareProducts = products.items.slice(4);
    this.ownTags.length = 0;
  }

  /** The next write of the round: updates, a tag created, a tag deleted. */
  private next(): WriteSpec {
    const n = ++this.counter;
    const { products, tables, category, zone } = this.targets;
    const round = n % 8;
    if (round === 3 || (round === 7 && this.ownTags.length === 0))
      return {
        method: 'POST',
        resource: 'tag',
        id: `drill-tag-${randomUUID().slice(0, 8)}`,
        body: { name: `Drill tag ${n}`, color: '#336699' },
      };
    if (round === 7) return { method: 'DELETE', resource: 'tag', id: this.ownTags.shift()! };
    if (round === 2 && tables.length > 0)
      return {
        method: 'PATCH',
        resource: 'dining_table',
        id: tables[n % tables.length]!.id,
        body: { seats: 1 + (n % 12) },
      };
    if (round === 4 && category)
      return { method: 'PATCH', resource: 'category', id: category.id, body: { sortOrder: n } };
    if (round === 6 && zone)
      return { method: 'PATCH', resource: 'zone', id: zone.id, body: { name: `Terrace ${n}` } };
    const product = products[n % products.length]!;
    return { method: 'PATCH', resource: 'product', id: product.id, body: { priceCents: 100 + n } };
  }

  /** One write, retried with the same Idempotency-Key until the server answers. */
  async write(spec: WriteSpec = this.next()): Promise<void> {
    const collection = RESOURCES[spec.resource].collection;
    const path = spec.method === 'POST' ? collection : `${collection}/${spec.id}`;
    const body = spec.method === 'POST' ? { id: spec.id, ...spec.body } : spec.body;
    const key = randomUUID();
    const deadline = Date.now() + WRITE_DEADLINE_MS;
    for (;;) {
      let answer: { status: number; body: unknown } | null = null;
      try {
        answer = await this.session.call(spec.method, path, { body, headers: { 'idempotency-key': key } });
      } catch {
        // No server (restarting, down): same key again shortly.
      }
      if (answer && answer.status < 500) {
        if (answer.status === 401) throw new WriterSignedOut('the server no longer knows the writer session');
        const expected = spec.method === 'POST' ? 201 : 200;
        if (answer.status !== expected)
          throw new DrillHttpError(spec.method, path, answer.status, answer.body);
        this.acknowledged++;
        if (spec.method === 'DELETE')
          this.ledger.record({
            resource: spec.resource,
            id: spec.id,
            deleted: true,
            fields: {},
            by: 'writer',
          });
        else {
          const item = answer.body as Record<string, unknown>;
          this.ledger.record({
            resource: spec.resource,
            id: spec.id,
            deleted: false,
            fields: fieldsOf(item),
            by: 'writer',
          });
          if (spec.method === 'POST' && spec.resource === 'tag') this.ownTags.push(spec.id);
        }
        return;
      }
      if (Date.now() > deadline)
        throw new Error(`${spec.method} ${path} got no answer within ${WRITE_DEADLINE_MS / 1000} s`);
      this.retries++;
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  /** Writes `rate` times a second in the background until `stop`. */
  start(): void {
    if (this.loop) return;
    this.running = true;
    this.failure = null;
    this.loop = (async () => {
      while (this.running) {
        const started = Date.now();
        try {
          await this.write();
        } catch (err) {
          this.failure = err as Error;
          this.running = false;
          return;
        }
        await new Promise((r) => setTimeout(r, Math.max(0, 1000 / this.rate - (Date.now() - started))));
      }
    })();
  }

  /** Stops after the write in flight has its answer; throws what stopped the loop early, if anything. */
  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.loop = null;
    if (this.failure) throw this.failure;
  }

  /** Writes `n` changes back to back (long-offline pushes a type past the log's retention). */
  async burst(n: number): Promise<void> {
    const product = this.targets.products[0]!;
    for (let i = 0; i < n; i++)
      await this.write({
        method: 'PATCH',
        resource: 'product',
        id: product.id,
        body: { priceCents: 5000 + i },
      });
  }
}

/**
 * Big catalogues without the API: the demo restaurant plus N products written straight
 * into the server's SQLite file through the server's own storage module (`writeBatch`),
 * so versions, digests, refs and the change log are exactly what API writes would leave.
 * Each size is built once per run as a template directory and copied for each server.
 * `seedBenchCatalogue` does the same on any storage (fanout_2x seeds PostgreSQL with it).
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedDemo } from '../../../server/seed';
import { SqliteStorage } from '../../../server/storage/sqlite';
import type { CreateRequest, Storage } from '../../../server/storage/types';
import { digestOf } from '../../../src/shared/digest';
import { type Item, RESOURCES } from '../../../src/shared/resources';
import { benchProductId } from './marker';

export { benchProductId };

/** The manager's PIN on every benchmark server. */
export const ADMIN_PIN = '2468';
/** Demo seed PINs hash at this cost; the server verifies any cost stored in the hash. */
const SEED_SCRYPT_N = 1024;
/** Products per write transaction while seeding: bounded memory, few commits. */
const BATCH = 5000;

const templates = new Map<number, string>();
const tempDirs = new Set<string>();

/** Removes every data dir and template this process made (test runners may skip 'exit'). */
export function removeAllDataDirs(): void {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
  tempDirs.clear();
  templates.clear();
}

process.once('exit', removeAllDataDirs);

/** A realistic product (about 300 bytes of JSON) pointing at demo categories, tags and attributes. */
function productFields(
  n: number,
  refs: { categories: string[]; tags: string[]; attributes: string[]; printers: string[] },
) {
  const pick = (list: string[], k: number) => list[k % list.length]!;
  return RESOURCES.product.schema.parse({
    name: `Bench dish ${String(n).padStart(6, '0')}`,
    categoryId: pick(refs.categories, n),
    priceCents: 450 + ((n * 37) % 3000),
    tagIds: n % 3 === 0 ? [pick(refs.tags, n)] : [],
    attributeIds: n % 4 === 0 ? [pick(refs.attributes, n)] : [],
    printDestinationId: pick(refs.printers, n),
    sortOrder: n,
    description: 'Seasonal produce from local farms, cooked to order; ask staff about allergens.',
  }) as Record<string, unknown>;
}

/**
 * Seeds the demo and `products` extra products into an empty storage of either kind, in
 * batches through `writeBatch`, and checks the stored product digest against the items.
 */
export async function seedBenchCatalogue(storage: Storage, products: number): Promise<void> {
  await seedDemo(storage, { adminPin: ADMIN_PIN, scryptN: SEED_SCRYPT_N });
  const ids = async (r: 'category' | 'tag' | 'attribute' | 'print_destination') =>
    (await storage.list(r)).items.map((i) => i.id);
  const refs = {
    categories: await ids('category'),
    tags: await ids('tag'),
    attributes: await ids('attribute'),
    printers: await ids('print_destination'),
  };
  for (let start = 0; start < products; start += BATCH) {
    const batch: CreateRequest[] = [];
    for (let n = start; n < Math.min(products, start + BATCH); n++)
      batch.push({
        action: 'create',
        resource: 'product',
        id: benchProductId(n),
        actor: 'bench-seed',
        fields: productFields(n, refs),
      });
    await storage.writeBatch(batch);
  }
  // The server's invariant, checked once per catalogue: stored digest = digest of the items.
  const list = await storage.list('product');
  const status = await storage.status();
  if (digestOf(list.items as Item[]) !== status.digests.product)
    throw new Error('seeded product digest does not match its items');
}

/** Writes the demo and `products` extra products into a new data dir. */
async function buildTemplate(products: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), `red-coral-bench-tpl-${products}-`));
  tempDirs.add(dir);
  const storage = SqliteStorage.open(dir, { logRetention: 10_000 });
  try {
    await seedBenchCatalogue(storage, products);
  } finally {
    await storage.close();
  }
  return dir;
}

/** A fresh data dir holding the demo plus `products` bench products (ids benchProductId(0..)). */
export async function seededDataDir(products: number): Promise<string> {
  let template = templates.get(products);
  if (!template) {
    template = await buildTemplate(products);
    templates.set(products, template);
  }
  const dir = mkdtempSync(join(tmpdir(), 'red-coral-bench-'));
  tempDirs.add(dir);
  cpSync(template, dir, { recursive: true });
  return dir;
}

/** Removes a data dir made by `seededDataDir`. */
export function removeDataDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

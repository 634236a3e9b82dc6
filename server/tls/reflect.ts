/**
 * The three Reflect metadata calls @peculiar/x509's dependency injection (tsyringe) makes
 * at import time; it throws without a Reflect metadata polyfill. No such package is
 * installed, so this keeps just what tsyringe calls. Imported by ./x509.ts before the
 * library; `import 'reflect-metadata'` would replace this file one for one.
 */
type MetadataTarget = object;

const metadata = new WeakMap<MetadataTarget, Map<unknown, unknown>>();

const reflect = Reflect as typeof Reflect & {
  defineMetadata?: (key: unknown, value: unknown, target: MetadataTarget) => void;
  getOwnMetadata?: (key: unknown, target: MetadataTarget) => unknown;
  getMetadata?: (key: unknown, target: MetadataTarget) => unknown;
};

if (typeof reflect.getMetadata !== 'function') {
  reflect.defineMetadata = (key, value, target) => {
    const own = metadata.get(target) ?? new Map<unknown, unknown>();
    own.set(key, value);
    metadata.set(target, own);
  };
  reflect.getOwnMetadata = (key, target) => metadata.get(target)?.get(key);
  // Like reflect-metadata: a class inherits what its prototype chain defined.
  reflect.getMetadata = (key, target) => {
    for (let t: MetadataTarget | null = target; t !== null; t = Object.getPrototypeOf(t) as object | null) {
      const own = metadata.get(t);
      if (own?.has(key)) return own.get(key);
    }
    return undefined;
  };
}

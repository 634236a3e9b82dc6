/**
 * The default branch of a switch that handles every case of a union: a missing case is a
 * compile error (`value` is not `never`), and a value from outside the type (another app
 * version's message) fails loudly instead of being ignored. After tldraw's helper.
 */
export function exhaustiveSwitchError(value: never, property?: string): never {
  const shown =
    property && typeof value === 'object' && value !== null && property in value
      ? (value as Record<string, unknown>)[property]
      : value;
  throw new Error(`Unknown switch case ${JSON.stringify(shown)}`);
}

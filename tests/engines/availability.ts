/**
 * Whether an engine's browser is installed (decided once, by globalSetup.ts). A file whose
 * engine is missing does not pass quietly: it reports one failing test whose name is the
 * one line that says it did not run and how to get the browser.
 */
import { inject, it } from 'vitest';

/** Per engine: null when it can run, else the line that says why it did not. */
export interface MissingEngines {
  webkit: string | null;
  firefox: string | null;
}

declare module 'vitest' {
  export interface ProvidedContext {
    missingEngines: MissingEngines;
  }
}

/** Defines the file's tests when `engine` can run here, else the one failing line. */
export function whenInstalled(engine: keyof MissingEngines, define: () => void): void {
  const missing = inject('missingEngines')[engine];
  if (!missing) {
    define();
    return;
  }
  it(missing, () => {
    throw new Error(missing);
  });
}

/**
 * One way to drive a browser, whatever its engine: the cross-engine tests (tests/engines/)
 * are written once against `EngineBrowser` / `EngineTab`, and each engine's helper
 * (webkit.ts: WebKitGTK over WebDriver classic; firefox.ts: Firefox over WebDriver BiDi;
 * chromiumEngine.ts: Chromium over CDP) adapts its client to it.
 */
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export type EngineName = 'webkit' | 'firefox' | 'chromium';

/** One tab of the browser under test. */
export interface EngineTab {
  /** Loads `path` (e.g. `/` or `/api/health`) on the app's origin and waits for its load event. */
  goto(path: string): Promise<void>;
  reload(): Promise<void>;
  /**
   * Runs `fn` in the page with JSON-able `args` and returns its JSON-able result (a promise
   * is awaited). `fn` is sent as source text: it must not use anything from the test's scope.
   */
  evaluate<A extends unknown[], T>(fn: (...args: A) => T | Promise<T>, ...args: A): Promise<T>;
  /** Replaces the value of the input labelled `label` by typing `text` with real key events. */
  fill(label: string, text: string): Promise<void>;
  /** Clicks (a real pointer click) the enabled button whose text is exactly `name`. */
  click(name: string): Promise<void>;
  /**
   * The visible part of the page as PNG, to look at after a run. In WebKit a tab that is not
   * in front may never be photographed (seen with a second MiniBrowser tab): call it on the only tab.
   */
  screenshot(): Promise<Buffer>;
  close(): Promise<void>;
}

/** One browser profile: its tabs share IndexedDB, Web Locks, BroadcastChannel and the service worker. */
export interface EngineBrowser {
  readonly name: EngineName;
  /** What to call it in test names and messages: "WebKitGTK 2.50.6 (MiniBrowser)". */
  readonly label: string;
  newTab(): Promise<EngineTab>;
  /** Ends the browser and everything the helper started for it (driver, display). */
  close(): Promise<void>;
}

/** Starts a browser whose tabs open paths on `baseUrl`. */
export type LaunchEngine = (baseUrl: string) => Promise<EngineBrowser>;

/** The XPath of the input a `<label>` with this exact text names (by `for`, or by nesting). */
export function labelledInputXPath(label: string): string {
  const text = xpathString(label);
  return `//input[@id=//label[normalize-space(.)=${text}]/@for] | //label[normalize-space(.)=${text}]//input`;
}

/** The XPath of the enabled buttons whose text is exactly `name`. */
export function buttonXPath(name: string): string {
  return `//button[normalize-space(.)=${xpathString(name)} and not(@disabled)]`;
}

/** An XPath string literal for any text (XPath 1.0 has no escapes: concat() around quotes). */
function xpathString(text: string): string {
  if (!text.includes('"')) return `"${text}"`;
  return `concat(${text
    .split('"')
    .map((part) => `"${part}"`)
    .join(", '\"', ")})`;
}

/** The first of `names` found on PATH (or given as an absolute path), else null. */
export function findExecutable(...names: string[]): string | null {
  for (const name of names) {
    if (name.startsWith('/')) {
      if (existsSync(name)) return name;
      continue;
    }
    for (const dir of (process.env.PATH ?? '').split(delimiter)) {
      const candidate = join(dir, name);
      if (dir && existsSync(candidate)) return candidate;
    }
  }
  return null;
}

/** How long a browser may take for one step on a loaded 2-core machine. */
export const STEP_TIMEOUT_MS = 30_000;

/** Rejects with `message` when `task` takes longer than `ms`. */
export async function within<T>(ms: number, message: string, task: Promise<T>): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${message} (no answer within ${ms} ms)`)), ms);
  });
  try {
    return await Promise.race([task, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

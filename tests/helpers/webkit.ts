/**
 * WebKit, Safari's engine, for the cross-engine tests: WebKitGTK's MiniBrowser driven by
 * `WebKitWebDriver` (W3C WebDriver classic) through selenium-webdriver, on an Xvfb
 * display of its own. Debian packages: webkit2gtk-driver (driver and MiniBrowser), xvfb.
 *
 * Every `launchWebKit` starts its own display (Xvfb picks a free number, -displayfd) and
 * its own driver on a free loopback port, so parallel runs never share either.
 */
import { Builder, By, Key, type WebDriver, type WebElement } from 'selenium-webdriver';
import {
  buttonXPath,
  type EngineBrowser,
  type EngineTab,
  findExecutable,
  labelledInputXPath,
  STEP_TIMEOUT_MS,
  within,
} from './engine';
import { type Helper, startHelper } from './processes';
import { freePort } from './server';

export const MINIBROWSER = '/usr/lib/x86_64-linux-gnu/webkit2gtk-4.1/MiniBrowser';
/** The Debian packages that bring what this file needs. */
export const WEBKIT_PACKAGES = ['webkit2gtk-driver', 'xvfb'];

/** The binaries WebKit needs that are missing here (empty when it can run). */
export function missingForWebKit(): string[] {
  const missing: string[] = [];
  if (!findExecutable('WebKitWebDriver')) missing.push('WebKitWebDriver');
  if (!findExecutable(MINIBROWSER)) missing.push(MINIBROWSER);
  if (!findExecutable('Xvfb')) missing.push('Xvfb');
  return missing;
}

/** Starts Xvfb on the first free display number; resolves with `:<n>` once it accepts clients. */
async function startDisplay(): Promise<{ display: string; xvfb: Helper }> {
  const xvfb = startHelper('Xvfb', ['-displayfd', '3', '-screen', '0', '1280x1024x24', '-nolisten', 'tcp'], {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
  });
  const announced = new Promise<string>((resolve, reject) => {
    let text = '';
    xvfb.child.stdio[3]?.on('data', (d: Buffer) => {
      text += d.toString();
      if (text.includes('\n')) resolve(`:${text.trim()}`);
    });
    xvfb.child.once('exit', (code) => reject(new Error(`Xvfb exited (${code}):\n${xvfb.output()}`)));
  });
  try {
    return { display: await within(STEP_TIMEOUT_MS, 'Xvfb did not announce its display', announced), xvfb };
  } catch (error) {
    await xvfb.stop();
    throw error;
  }
}

/** Starts WebKitWebDriver on a free 127.0.0.1 port and waits until its /status says ready. */
async function startDriver(display: string): Promise<{ url: string; driver: Helper }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const driver = startHelper('WebKitWebDriver', [`--port=${port}`, '--host=127.0.0.1'], {
    env: { ...process.env, DISPLAY: display },
  });
  const deadline = Date.now() + STEP_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (driver.child.exitCode !== null) break;
    try {
      const status = (await (await fetch(`${url}/status`)).json()) as { value?: { ready?: boolean } };
      if (status.value?.ready) return { url, driver };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  await driver.stop();
  throw new Error(`WebKitWebDriver did not become ready on ${url}:\n${driver.output()}`);
}

/** Runs WebDriver commands one at a time: a command acts on the window switched to last. */
function serialQueue() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => undefined);
    return run;
  };
}

/** MiniBrowser through WebKitWebDriver; its tabs are the session's windows. */
export async function launchWebKit(baseUrl: string): Promise<EngineBrowser> {
  const missing = missingForWebKit();
  if (missing.length > 0) throw new Error(`WebKit cannot run here: missing ${missing.join(', ')}`);
  const { display, xvfb } = await startDisplay();
  let driverProcess: Helper | null = null;
  let session: WebDriver | null = null;
  try {
    const started = await startDriver(display);
    driverProcess = started.driver;
    session = await within(
      STEP_TIMEOUT_MS * 2,
      'WebKitWebDriver did not open a MiniBrowser session',
      new Builder()
        .usingServer(started.url)
        .withCapabilities({
          browserName: 'MiniBrowser',
          'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
        })
        .build(),
    );
  } catch (error) {
    await driverProcess?.stop();
    await xvfb.stop();
    throw error;
  }
  const driver = session;
  await driver.manage().setTimeouts({ script: STEP_TIMEOUT_MS, pageLoad: STEP_TIMEOUT_MS * 2, implicit: 0 });
  const version = String((await driver.getCapabilities()).get('browserVersion') ?? '');
  const serial = serialQueue();
  let current = await driver.getWindowHandle();
  /** The first window is the session's own: it stays open (closing the last one ends the session). */
  let spare: string | null = current;

  /** Runs `task` in the tab's window; a command that never answers fails the test instead of hanging it. */
  const inWindow = <T>(handle: string, task: () => Promise<T>): Promise<T> =>
    serial(() =>
      within(
        STEP_TIMEOUT_MS * 2,
        'WebKitWebDriver did not answer a command',
        (async () => {
          if (current !== handle) {
            await driver.switchTo().window(handle);
            current = handle;
          }
          return task();
        })(),
      ),
    );

  /** Acts on the first element `xpath` finds, once the page shows one (React renders after load). */
  const withElement = async (
    handle: string,
    xpath: string,
    act: (element: WebElement) => Promise<void>,
  ): Promise<void> => {
    const deadline = Date.now() + STEP_TIMEOUT_MS;
    for (;;) {
      const done = await inWindow(handle, async () => {
        const [element] = await driver.findElements(By.xpath(xpath));
        if (!element) return false;
        await act(element);
        return true;
      });
      if (done) return;
      if (Date.now() > deadline)
        throw new Error(`WebKit: nothing matches ${xpath} after ${STEP_TIMEOUT_MS} ms`);
      // Between attempts the queue is free for the other tabs' commands.
      await new Promise((r) => setTimeout(r, 100));
    }
  };

  const tab = (handle: string): EngineTab => ({
    goto: (path) => inWindow(handle, () => driver.get(new URL(path, baseUrl).href)),
    reload: () => inWindow(handle, () => driver.navigate().refresh()),
    evaluate: (fn, ...args) =>
      inWindow(handle, () =>
        driver.executeScript(`return (${fn.toString()}).apply(null, arguments);`, ...args),
      ),
    fill: (label, text) =>
      withElement(handle, labelledInputXPath(label), async (input) => {
        await input.click();
        // One command each: WebKitWebDriver drops text that follows a chord in the same command.
        await input.sendKeys(Key.chord(Key.CONTROL, 'a'));
        await input.sendKeys(Key.BACK_SPACE);
        await input.sendKeys(text);
      }),
    click: (name) => withElement(handle, buttonXPath(name), (button) => button.click()),
    screenshot: () => inWindow(handle, async () => Buffer.from(await driver.takeScreenshot(), 'base64')),
    close: () =>
      inWindow(handle, async () => {
        await driver.close();
        // Commands need a current window (New Window included): take any that is still open.
        const [next] = await driver.getAllWindowHandles();
        current = next ?? '';
        if (next) await driver.switchTo().window(next);
      }),
  });

  return {
    name: 'webkit',
    label: `WebKitGTK ${version} (MiniBrowser)`,
    async newTab() {
      if (spare) {
        const handle = spare;
        spare = null;
        return tab(handle);
      }
      const handle = await serial(async () => {
        await driver.switchTo().newWindow('tab');
        current = await driver.getWindowHandle();
        return current;
      });
      return tab(handle);
    },
    async close() {
      await within(STEP_TIMEOUT_MS, 'WebKitWebDriver did not end the session', driver.quit()).catch(
        () => undefined,
      );
      await driverProcess?.stop();
      await xvfb.stop();
    },
  };
}

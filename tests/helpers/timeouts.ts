/**
 * How long tests wait for anything that depends on scheduling, a browser or a server. One
 * number, sized for a loaded 2-core machine (CI runs there): a wait that passes only on an
 * idle machine fails by chance. A wait ends as soon as its condition holds, so a generous
 * limit costs nothing when things go well. vitest.config.ts makes it expect.poll's default.
 */
export const WAIT_MS = 20_000;

/** How often a polled condition is looked at again. */
export const POLL_MS = 20;

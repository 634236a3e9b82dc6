/** Web Locks as one browser grants them: exclusive per name, queued, abortable, released with the tab. */
export class FakeLocks {
  private held = new Set<string>();
  private waiting = new Map<string, (() => void)[]>();

  request(
    name: string,
    options: { signal?: AbortSignal },
    callback: (lock: unknown) => Promise<unknown>,
  ): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const run = () => {
        this.held.add(name);
        callback({ name })
          .then(resolve, reject)
          .finally(() => {
            this.held.delete(name);
            this.waiting.get(name)?.shift()?.();
          });
      };
      if (!this.held.has(name)) return run();
      const queue = this.waiting.get(name) ?? [];
      queue.push(run);
      this.waiting.set(name, queue);
      options.signal?.addEventListener('abort', () => {
        const i = queue.indexOf(run);
        if (i >= 0) queue.splice(i, 1);
        reject(new DOMException('aborted', 'AbortError'));
      });
    });
  }
}

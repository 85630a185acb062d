// Pending "wait for the next X" promises with abort and timeout, settled all at once. One implementation for
// every `waitFor…(signal?, timeoutMs?)` API (master detector, scheduler client, …).
export class Waiters<T> {
  private readonly pending = new Set<{ resolve: (v: T) => void; reject: (e: unknown) => void }>();

  get size(): number {
    return this.pending.size;
  }

  /** A promise settled by the next `resolveAll`/`rejectAll`, or rejected by the signal's reason or, after
   * `timeoutMs`, by `onTimeout()`. */
  wait(signal: AbortSignal | undefined, timeoutMs: number | undefined, onTimeout: () => Error): Promise<T> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        if (timer) clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.pending.delete(w);
      };
      const w = {
        resolve: (v: T) => {
          done();
          resolve(v);
        },
        reject: (e: unknown) => {
          done();
          reject(e);
        },
      };
      const onAbort = () => w.reject(signal!.reason);
      if (timeoutMs !== undefined) timer = setTimeout(() => w.reject(onTimeout()), timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.add(w);
    });
  }

  resolveAll(v: T): void {
    for (const w of [...this.pending]) w.resolve(v);
  }

  rejectAll(e: unknown): void {
    for (const w of [...this.pending]) w.reject(e);
  }
}

/**
 * One thread's atoms waiting for an upstream connection because every connection the cap allows is busy, in
 * order. Bounded in waiting time, whoever times out is answered 503 by the caller; the bound on length is
 * over all threads, so the caller reserves a place in the pool index before `push`.
 */
export class AtomQueue<T> {
  private readonly waiting: Array<{ item: T; timer: NodeJS.Timeout }> = [];

  constructor(
    private readonly timeoutMs: number,
    private readonly onTimeout: (item: T) => void,
  ) {}

  get length(): number {
    return this.waiting.length;
  }

  push(item: T): void {
    const timer = setTimeout(() => {
      this.remove(item);
      this.onTimeout(item);
    }, this.timeoutMs);
    this.waiting.push({ item, timer });
  }

  shift(): T | undefined {
    const entry = this.waiting.shift();
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    return entry.item;
  }

  /** False when `item` was not waiting here. */
  remove(item: T): boolean {
    const at = this.waiting.findIndex((entry) => entry.item === item);
    if (at < 0) return false;
    clearTimeout(this.waiting[at]!.timer);
    this.waiting.splice(at, 1);
    return true;
  }
}

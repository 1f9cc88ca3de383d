/**
 * Atoms waiting for an upstream connection because every connection the cap allows is busy. Bounded in length
 * and in waiting time; whoever overflows or times out is answered 503 by the caller.
 */
export class AtomQueue<T> {
  private readonly waiting: Array<{ item: T; timer: NodeJS.Timeout }> = [];

  constructor(
    private readonly maxLength: number,
    private readonly timeoutMs: number,
    private readonly onTimeout: (item: T) => void,
  ) {}

  get length(): number {
    return this.waiting.length;
  }

  /** False when the queue is full. */
  push(item: T): boolean {
    if (this.waiting.length >= this.maxLength) return false;
    const timer = setTimeout(() => {
      this.remove(item);
      this.onTimeout(item);
    }, this.timeoutMs);
    this.waiting.push({ item, timer });
    return true;
  }

  peek(): T | undefined {
    return this.waiting[0]?.item;
  }

  shift(): T | undefined {
    const entry = this.waiting.shift();
    if (!entry) return undefined;
    clearTimeout(entry.timer);
    return entry.item;
  }

  remove(item: T): void {
    const at = this.waiting.findIndex((entry) => entry.item === item);
    if (at < 0) return;
    clearTimeout(this.waiting[at]!.timer);
    this.waiting.splice(at, 1);
  }
}

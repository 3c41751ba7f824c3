/**
 * The part of `AbortSignal` the core reads to tell sends in flight that the
 * buffer is closing. An `AbortSignal` itself will not do for a buffer kept
 * across requests: workerd binds one to the request that created it, and a
 * fetch in a later request that listens to it fails with "Cannot perform I/O
 * on behalf of a different request". Each send gets its own AbortController,
 * made in the request that sends; this plain object only relays close().
 */
export interface ClosingSignal {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export class Closing implements ClosingSignal {
  #aborted = false;
  readonly #listeners = new Set<() => void>();

  get aborted(): boolean {
    return this.#aborted;
  }

  addEventListener(_type: 'abort', listener: () => void): void {
    this.#listeners.add(listener);
  }

  removeEventListener(_type: 'abort', listener: () => void): void {
    this.#listeners.delete(listener);
  }

  abort(): void {
    if (this.#aborted) return;
    this.#aborted = true;
    for (const listener of [...this.#listeners]) listener();
    this.#listeners.clear();
  }
}

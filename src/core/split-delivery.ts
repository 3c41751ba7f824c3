import type { DeliveryFailure } from './delivery.js';
import type { BufferedTrace } from './record.js';
import { sendBatch, type Delivery, type SendAttempt } from './send-batch.js';

/**
 * A whole request refused (a 413 for its size, a 400 or 422 for one bad row)
 * says nothing about most of its traces, so dropping the batch lost 49 good
 * traces for one bad one. Such a batch is halved and each half sent again,
 * recursively, down to one trace: only a trace refused on its own is refused.
 * One bad row among N costs at most 2·⌈log2 N⌉ requests beyond the first.
 * A sender that names the refused rows (`{ failed: [...] }`) is believed as is.
 */
export async function deliverSplitting(step: SendAttempt): Promise<Delivery> {
  // Every piece of the split shares the batch's lease: a replayer holds the batch, not each request.
  const split = new Split(step, Date.now() + step.leaseMs);
  return split.deliver(step.traces);
}

class Split {
  /** A block (401, no network) met by one piece: the pieces not sent yet are kept as it, unsent. */
  #blocked: Delivery | undefined;

  constructor(
    private readonly step: SendAttempt,
    private readonly deadline: number,
  ) {}

  async deliver(traces: BufferedTrace[]): Promise<Delivery> {
    if (this.#blocked) return keep(traces, this.#blocked);
    const whole = traces === this.step.traces;
    const leaseMs = whole ? this.step.leaseMs : this.deadline - Date.now();
    if (leaseMs <= 0) return keep(traces, { failures: new Map() }, LEASE_RAN_OUT);
    const delivery = await sendBatch({ ...this.step, traces, leaseMs });
    const failure = delivery.failures.values().next().value;
    if (failure?.blocked) this.#blocked = delivery;
    if (delivery.error === undefined || !failure || !isRefusal(failure) || traces.length < 2) return delivery;
    // close() ends the split; what was not sent again stays buffered, its attempt not counted.
    if (this.step.closing.aborted) return keep(traces, delivery, CLOSED);
    const middle = Math.ceil(traces.length / 2);
    const first = await this.deliver(traces.slice(0, middle));
    const rest = this.step.closing.aborted
      ? keep(traces.slice(middle), first, CLOSED)
      : await this.deliver(traces.slice(middle));
    return merge(first, rest);
  }
}

/** Thrown for the whole request and judged for good: a 413, 400, 422, or a sender's `retryable: false`. */
function isRefusal(failure: DeliveryFailure): boolean {
  return !failure.retryable && !failure.blocked;
}

const CLOSED: DeliveryFailure = {
  message: 'The buffer closed while a refused batch was being split; this part was not sent again.',
  retryable: true,
  blocked: false,
};

const LEASE_RAN_OUT: DeliveryFailure = {
  message: 'The lease ran out while a refused batch was being split; this part was not sent again.',
  retryable: true,
  blocked: false,
};

/**
 * Traces not sent (again): kept with `failure`, retryable so they stay
 * buffered, or as the block another piece met, which counts no attempt.
 */
function keep(traces: BufferedTrace[], from: Delivery, failure?: DeliveryFailure): Delivery {
  const kept = failure ?? from.failures.values().next().value ?? CLOSED;
  const failures = new Map(traces.map((trace) => [trace.id, kept]));
  return from.error === undefined ? { failures } : { failures, error: from.error };
}

/** One `Delivery` for the batch: failures by id; the error of a block first (settle reports it), else the first. */
function merge(first: Delivery, rest: Delivery): Delivery {
  const failures = new Map([...first.failures, ...rest.failures]);
  const blocked = [first, rest].find((part) => [...part.failures.values()].some((f) => f.blocked));
  const error = (blocked ?? (first.failures.size > 0 ? first : rest)).error;
  return error === undefined ? { failures } : { failures, error };
}

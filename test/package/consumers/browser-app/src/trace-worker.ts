// The README's "Workers and OPFS": the worker side.
import { createTraceBuffer, type BufferedTrace } from 'offline-trace-buffer';
import { exposeTraceBuffer } from 'offline-trace-buffer/worker';

declare function postToCollector(traces: BufferedTrace[]): Promise<void>;

exposeTraceBuffer(createTraceBuffer({ name: 'my-app', send: postToCollector }));

export { createTraceBuffer, type TraceBufferOptions } from './create-trace-buffer.js';
export { deleteTraceBuffer } from './delete-trace-buffer.js';
export { migrateBufferedTraces, type MigrationResult } from './backends/migrate.js';
export { openlayerSender, type OpenlayerSenderOptions } from './senders/openlayer-sender.js';
export { deliveryError, parseRetryAfter, type DeliveryFailureInit, type SendResult } from './core/delivery.js';
export {
  isTraceBufferError,
  TraceBufferError,
  TraceBufferOptionError,
  type TraceBufferErrorCode,
  type TraceBufferErrorFields,
} from './core/errors.js';
export { traceIdOf, type BufferedTrace, type BufferedTraceMetadata, type JsonValue } from './core/record.js';
export type { TraceConfig, TraceData } from './core/record.js';
export { backgroundSyncTag } from './core/sync-request.js';
export type { BufferEvent, BufferListener, DropError, DropReason, TraceRef } from './core/events.js';
export type { SendFunction, StorageChoice } from './core/options.js';
export type { AutoReplayOptions } from './core/replay-scheduler.js';
export type { ReplayRate } from './core/replay-pace.js';
export type { StorageBackend } from './core/storage-backend.js';
export type {
  BackgroundSyncStatus,
  BufferStatus,
  DeletedStore,
  DeletedTraceBuffer,
  DeleteTraceBufferOptions,
  FailedTrace,
  PublishOutcome,
  ReplayOptions,
  ReplayResult,
  SendContext,
  TraceBuffer,
} from './core/trace-buffer.js';

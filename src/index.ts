export { createTraceBuffer } from './create-trace-buffer.js';
export { memoryBackend } from './backends/memory-backend.js';
export { indexedDbBackend, type IndexedDbBackendOptions } from './backends/indexeddb-backend.js';
export { opfsBackend, opfsAvailable, type OpfsBackendOptions } from './backends/opfs-backend.js';
export { migrateBufferedTraces, type MigrationResult } from './backends/migrate.js';
export { databaseNameFor } from './backends/select-backend.js';
export type * from './backends/backend.js';
export {
  TraceBufferError,
  TraceBufferOptionError,
  isTraceBufferError,
  type TraceBufferErrorCode,
  type TraceBufferErrorFields,
} from './core/errors.js';
export type * from './core/events.js';
export {
  DEFAULT_LEASE_MS,
  DEFAULT_MAX_BUFFER_SIZE,
  DEFAULT_MAX_RETRIES,
  DEFAULT_MAX_TRACE_BYTES,
  DEFAULT_NAME,
  DEFAULT_REPLAY_BATCH_SIZE,
  type SendFunction,
  type StorageChoice,
  type TraceBufferOptions,
} from './core/options.js';
export {
  BUFFER_VERSION,
  traceIdOf,
  type BufferedTrace,
  type BufferedTraceMetadata,
  type Lease,
  type JsonValue,
  type StoredTrace,
  type TraceConfig,
  type TraceData,
  type CorruptRecord,
} from './core/record.js';
export type {
  BackendChoice,
  BufferStatus,
  FailedTrace,
  PublishOutcome,
  ReplayOptions,
  ReplayResult,
  SendContext,
  TraceBuffer,
} from './core/trace-buffer.js';
export { AUTO_REPLAY_DEFAULTS, type AutoReplayOptions } from './core/replay-scheduler.js';
export { ISOLATE_AFTER_ATTEMPTS } from './core/replay.js';
export { randomUUID, type RandomSource } from './platform/random-uuid.js';
export {
  classifyFailure,
  deliveryError,
  isRetryableStatus,
  parseRetryAfter,
  type DeliveryFailure,
  type DeliveryFailureInit,
  type SendResult,
} from './core/delivery.js';
export {
  openlayerSender,
  idempotencyKeyOf,
  OPENLAYER_BASE_URL,
  type OpenlayerSenderOptions,
} from './senders/openlayer-sender.js';

// The entry for backend authors (`offline-trace-buffer/backend`): the storage
// interface the core owns, the age order every backend keeps, and the
// backends this package ships, to compose or to migrate between.
export type * from './core/storage-backend.js';
export { compareAge, decodeStoredTrace, type CorruptRecord, type Lease, type StoredTrace } from './core/record.js';
export { memoryBackend } from './backends/memory-backend.js';
export {
  databaseNameFor,
  indexedDbBackend,
  type IndexedDbBackendOptions,
  type IndexedDbDurability,
} from './backends/indexeddb/index.js';
export { opfsAvailable } from './backends/opfs/available.js';
export { opfsBackend, type OpfsBackendOptions } from './backends/opfs/index.js';
// The contract every backend passes, to run against your own.
export {
  applicableCases,
  backendContract,
  CheckError,
  type BackendFactory,
  type ContractCase,
} from './backend-contract/index.js';

// The contract lives in src/backend-contract/ so backend authors run it from
// `offline-trace-buffer/backend`; the suites here import it from this path.
export {
  applicableCases,
  backendContract,
  type BackendFactory,
  type ContractCase,
} from '../../src/backend-contract/index.js';

// The assertion kit the backend contract uses, shared by every suite here.
export * from '../../src/backend-contract/check.js';

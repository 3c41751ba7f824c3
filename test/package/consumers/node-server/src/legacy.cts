// A CommonJS module of the same server: require() of the ES module package (Node 20.19+).
import lib = require('offline-trace-buffer');

const buffer = lib.createTraceBuffer({ name: 'node-server-cjs', storage: 'memory' });
void buffer.storeTrace({ inferenceId: 'cjs' }).then((stored: boolean) => console.log(stored));

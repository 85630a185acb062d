// Public surface of the Mesos client side: scheduler subscription client, leading-master detection, operator API
// client, call builders, RecordIO / event decoding, wire types and typed errors.
export * from './types.js';
export * from './recordio.js';
export * from './errors.js';
export * from './calls.js';
export * from './event-stream.js';
export * from './master-info.js';
export * from './detector.js';
export * from './scheduler-client.js';
export * from './operator-client.js';
export { basicAuthHeader, resolveLocation, baseUrlOf, type Credentials, type TlsOptions } from './http.js';
export { createZkClient, closeZkClient, zkConnected } from './zk-client.js';

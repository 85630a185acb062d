// Thin helpers over @kubernetes/client-node 2.x shared by the operator and the pod scheduler. See README.md.
export * from './config.js';
export * from './errors.js';
export * from './request.js';
export * from './patch.js';
export * from './informer.js';
export * from './informer-transport.js';
export * from './events-core.js';
export * from './events.js';
export * from './leader-election.js';
export * from './lease-store.js';

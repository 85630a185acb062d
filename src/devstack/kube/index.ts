// Public entry points of the Kubernetes API emulator and the pod runner.
export { KubeApiServer, type KubeApiServerOptions, type KubeApiServerHooks, type FailOptions, type RecordedRequest, type Denial } from './server.js';
export { PodRunner, type PodRunnerOptions, type PodLogFile } from './runner/runner.js';
export { ApiError, type StatusBody } from './status.js';

// Loading a kubeconfig the way controller-runtime's GetConfig does: an explicit path (--kubeconfig), then
// $KUBECONFIG, then the in-cluster service account, then ~/.kube/config. client-node's own loadFromDefault()
// prefers ~/.kube/config over in-cluster and silently falls back to http://localhost:8080; an operator must not
// (a pod with a stray home kubeconfig, or no config at all, should fail loudly with a message that says what to
// set).
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { SchedulerHAError } from '../util/errors.js';
import { pooledHttpLibrary } from './transport.js';

export const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export type KubeConfigSource = 'flag' | 'env' | 'in-cluster' | 'home';

export interface LoadKubeConfigOptions {
  /** Explicit kubeconfig file (the --kubeconfig flag). Wins over everything else. */
  kubeconfig?: string;
  /** Context to use instead of the file's current-context. */
  context?: string;
  /** Environment to read KUBECONFIG / KUBERNETES_SERVICE_HOST / _PORT from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Prefix of the service-account directory (tests; client-node's loadFromCluster pathPrefix). */
  inClusterPathPrefix?: string;
  /** Home directory for ~/.kube/config (default os.homedir()). */
  home?: string;
}

export interface LoadedKubeConfig {
  kc: k8s.KubeConfig;
  source: KubeConfigSource;
  /** The file(s) read, or the service-account directory. */
  from: string;
  /** The namespace of the current context (in-cluster: the pod's namespace), else "default". */
  namespace: string;
  /** API server URL of the current cluster. */
  server: string;
}

export class KubeConfigError extends SchedulerHAError {}

/** True when running in a pod with a mounted service-account token (what loadFromCluster needs). */
export function inClusterAvailable(env: NodeJS.ProcessEnv = process.env, pathPrefix = ''): boolean {
  return !!env.KUBERNETES_SERVICE_HOST && !!env.KUBERNETES_SERVICE_PORT && existsSync(`${pathPrefix}${SERVICE_ACCOUNT_DIR}/token`);
}

export function loadKubeConfig(opts: LoadKubeConfigOptions = {}): LoadedKubeConfig {
  const env = opts.env ?? process.env;
  const kc = new k8s.KubeConfig();
  let source: KubeConfigSource;
  let from: string;
  try {
    if (opts.kubeconfig) {
      if (!existsSync(opts.kubeconfig)) throw new KubeConfigError('KubeConfigNotFound', `kubeconfig ${opts.kubeconfig} (--kubeconfig) does not exist`);
      kc.loadFromFile(opts.kubeconfig);
      source = 'flag';
      from = opts.kubeconfig;
    } else if (env.KUBECONFIG) {
      // KUBECONFIG may list several files (merged, first wins for the current context), as kubectl does.
      const files = env.KUBECONFIG.split(':').filter((f) => f !== '');
      const existing = files.filter((f) => existsSync(f));
      if (existing.length === 0) throw new KubeConfigError('KubeConfigNotFound', `KUBECONFIG names ${files.join(', ')}, but none exists`);
      kc.loadFromFile(existing[0]!);
      for (const f of existing.slice(1)) {
        const more = new k8s.KubeConfig();
        more.loadFromFile(f);
        kc.mergeConfig(more, true);
      }
      source = 'env';
      from = existing.join(':');
    } else if (inClusterAvailable(env, opts.inClusterPathPrefix ?? '')) {
      const prev = { host: process.env.KUBERNETES_SERVICE_HOST, port: process.env.KUBERNETES_SERVICE_PORT };
      // loadFromCluster reads process.env; honour an injected env without leaking it.
      process.env.KUBERNETES_SERVICE_HOST = env.KUBERNETES_SERVICE_HOST;
      process.env.KUBERNETES_SERVICE_PORT = env.KUBERNETES_SERVICE_PORT;
      try {
        kc.loadFromCluster(opts.inClusterPathPrefix ?? '');
      } finally {
        restoreEnv('KUBERNETES_SERVICE_HOST', prev.host);
        restoreEnv('KUBERNETES_SERVICE_PORT', prev.port);
      }
      source = 'in-cluster';
      from = `${opts.inClusterPathPrefix ?? ''}${SERVICE_ACCOUNT_DIR}`;
    } else {
      const home = join(opts.home ?? homedir(), '.kube', 'config');
      if (!existsSync(home)) {
        throw new KubeConfigError(
          'KubeConfigNotFound',
          'no Kubernetes configuration found: pass --kubeconfig, set KUBECONFIG, run in a pod with a service account, or create ~/.kube/config',
        );
      }
      kc.loadFromFile(home);
      source = 'home';
      from = home;
    }
  } catch (err) {
    if (err instanceof KubeConfigError) throw err;
    throw new KubeConfigError('InvalidKubeConfig', `cannot load the Kubernetes configuration: ${(err as Error).message}`, { cause: err });
  }
  if (opts.context) {
    if (!kc.getContextObject(opts.context)) throw new KubeConfigError('InvalidKubeConfig', `context "${opts.context}" is not in ${from}`);
    kc.setCurrentContext(opts.context);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new KubeConfigError('InvalidKubeConfig', `${from} has no current cluster (set current-context or pass a context)`);
  const ctx = kc.getContextObject(kc.getCurrentContext());
  return { kc, source, from, namespace: ctx?.namespace || 'default', server: cluster.server };
}

function restoreEnv(k: string, v: string | undefined): void {
  if (v === undefined) delete process.env[k];
  else process.env[k] = v;
}

/** A KubeConfig from YAML text (tests, the emulator's kubeconfig). */
export function kubeConfigFromString(yaml: string): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromString(yaml);
  return kc;
}

/** The typed API clients the project uses, made once per KubeConfig. */
export interface KubeClients {
  kc: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  apps: k8s.AppsV1Api;
  policy: k8s.PolicyV1Api;
  custom: k8s.CustomObjectsApi;
  coordination: k8s.CoordinationV1Api;
  events: k8s.EventsV1Api;
}

/** What kc.makeApiClient builds (client-node's credentials, its User-Agent), sent over the pooled transport
 * (transport.ts) instead of a new undici Agent per call. */
export function makeApiClient<T>(kc: k8s.KubeConfig, api: new (config: k8s.Configuration) => T): T {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('No active cluster!');
  return new api(
    k8s.createConfiguration({
      baseServer: new k8s.ServerConfiguration(cluster.server, {}),
      authMethods: { default: kc },
      httpApi: pooledHttpLibrary(kc),
      middleware: [k8s.setHeaderMiddleware('User-Agent', `kubernetes-client-javascript/${CLIENT_NODE_VERSION}`)],
    }),
  );
}

/** client-node's version, for the User-Agent its own makeApiClient sends. */
const CLIENT_NODE_VERSION = ((): string => {
  try {
    return (createRequire(import.meta.url)('@kubernetes/client-node/package.json') as { version?: string }).version ?? '';
  } catch {
    return '';
  }
})();

export function makeClients(kc: k8s.KubeConfig): KubeClients {
  return {
    kc,
    core: makeApiClient(kc, k8s.CoreV1Api),
    apps: makeApiClient(kc, k8s.AppsV1Api),
    policy: makeApiClient(kc, k8s.PolicyV1Api),
    custom: makeApiClient(kc, k8s.CustomObjectsApi),
    coordination: makeApiClient(kc, k8s.CoordinationV1Api),
    events: makeApiClient(kc, k8s.EventsV1Api),
  };
}

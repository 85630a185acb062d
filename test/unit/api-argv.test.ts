// Spec ⇄ argv: render a replica's command line from a spec with the seed's flag names and parse it back, over
// many generated specs; and the parser's error messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configToSpecFields, parseSchedulerArgv, specToArgv, FLAGS, schedulerFlagsHelp } from '../../src/api/flags.js';
import { applyDefaults } from '../../src/api/defaults.js';
import { validateSchedulerHA, validateSchedulerConfig } from '../../src/api/validate.js';
import type { SchedulerHASpec } from '../../src/api/types.js';
import { parseDurationSeconds } from '../../src/util/time.js';

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function genSpec(r: () => number): SchedulerHASpec {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  const maybe = (p = 0.5) => r() < p;
  const word = () => pick(['a', 'b', 'sync', 'root-dir', 'x1', 'cadvisor-port', 'dns', 'domain', 'logv']);
  const fam = () => {
    const m: Record<string, string | number> = {};
    const n = Math.floor(r() * 4);
    for (let i = 0; i < n; i++) m[`${word()}${i}`] = maybe() ? `${Math.floor(r() * 100)}s` : Math.floor(r() * 1000);
    return m;
  };
  const useKm = maybe(0.7);
  const ha = maybe(0.7);
  const spec: SchedulerHASpec = {
    replicas: ha ? pick([1, 2, 3]) : 1,
    mesos: {
      master: pick(['zk://z1:2181,z2:2181/mesos', 'm0:5050', 'http://m0:5050,http://m1:5050', 'zk://u:p@z:2181/mesos']),
      ...(maybe() ? { user: pick(['root', 'mesos']) } : {}),
      ...(maybe() ? { roles: pick([['*'], ['eng'], ['*', 'eng/web']]) } : {}),
      ...(maybe(0.2) ? { principal: 'k8sm' } : {}),
    },
    etcd: {
      endpoints: pick([['http://e0:2379'], ['http://e0:2379', 'http://e1:2379', 'http://e2:2379']]),
      ...(maybe() ? { prefix: pick(['/k8sm', '/a/b']) } : {}),
      ...(maybe() ? { leaseTTLSeconds: pick([2, 5, 10, 15]) } : {}),
    },
    flags: {
      ha,
      ...(maybe() ? { checkpoint: maybe(0.8) } : {}),
      ...(maybe() ? { failoverTimeout: pick(['168h', 604800, '720h', '1h30m', 86400]) } : {}),
      ...(maybe() ? { frameworkName: pick(['Kubernetes', 'k8sm-prod', 'web.1']) } : {}),
      ...(useKm ? { kmPath: pick(['hdfs:///km', 'https://a.example/km', 's3://b/km']) } : { executorPath: 'hdfs:///executor', proxyPath: 'hdfs:///proxy' }),
      ...(maybe() ? { allowPrivileged: maybe() } : {}),
      ...(maybe() ? { apiServers: pick([['https://k:6443'], ['https://k0:6443', 'https://k1:6443']]) } : {}),
      ...(maybe(0.3) ? { authPath: '/etc/k8s/auth' } : {}),
      ...(maybe() ? { profiling: maybe() } : {}),
      ...(maybe() ? { cluster: fam() } : {}),
      ...(maybe() ? { executor: fam() } : {}),
      ...(maybe() ? { kubelet: fam() } : {}),
      ...(maybe() ? { reconcileInterval: pick(['5m', 300, '10m', 0]) } : {}),
      ...(maybe() ? { taskRetention: pick(['1h', 90, '30m', '2s']) } : {}),
    },
  };
  return spec;
}

const norm = (v: string | number | undefined) => (v === undefined ? undefined : parseDurationSeconds(v));

test('spec → argv → spec round trip over 500 generated specs', () => {
  const r = rng(20261125);
  for (let i = 0; i < 500; i++) {
    const spec = genSpec(r);
    const v = validateSchedulerHA({ apiVersion: 'k8sm.io/v1alpha1', kind: 'SchedulerHA', metadata: { name: 'x' }, spec });
    assert.deepEqual(v.errors, [], `generated spec ${i} is valid: ${JSON.stringify(spec)}`);
    const d = applyDefaults(spec);
    const argv = specToArgv(d);
    const parsed = parseSchedulerArgv(argv);
    assert.deepEqual(parsed.errors, [], `spec ${i}: ${argv.join(' ')}`);
    assert.deepEqual(validateSchedulerConfig(parsed.config).errors, [], `spec ${i}: flags valid`);
    const back = configToSpecFields(parsed.config);
    const f = d.flags!;
    const b = back.flags!;
    assert.equal(b.ha, f.ha);
    assert.equal(b.checkpoint, f.checkpoint);
    assert.equal(norm(b.failoverTimeout), norm(f.failoverTimeout), `failoverTimeout ${f.failoverTimeout}`);
    assert.equal(norm(b.reconcileInterval), norm(f.reconcileInterval));
    assert.equal(norm(b.taskRetention), norm(f.taskRetention));
    assert.equal(b.frameworkName, f.frameworkName);
    assert.equal(b.kmPath, f.kmPath);
    assert.equal(b.executorPath, f.executorPath);
    assert.equal(b.proxyPath, f.proxyPath);
    assert.equal(b.allowPrivileged, f.allowPrivileged);
    assert.equal(b.profiling, f.profiling);
    assert.equal(b.authPath, f.authPath);
    assert.deepEqual(b.apiServers, f.apiServers ?? []);
    for (const fam of ['cluster', 'executor', 'kubelet'] as const) {
      const want = Object.fromEntries(Object.entries(f[fam] ?? {}).map(([k, x]) => [k.replace(/_/g, '-'), String(x)]));
      assert.deepEqual(b[fam], want, fam);
    }
    assert.deepEqual(back.mesos, { master: d.mesos.master, user: d.mesos.user, roles: d.mesos.roles, ...(d.mesos.principal ? { principal: d.mesos.principal } : {}) });
    assert.deepEqual(back.etcd, { endpoints: d.etcd.endpoints, prefix: d.etcd.prefix, leaseTTLSeconds: d.etcd.leaseTTLSeconds });
    // Rendering is deterministic and idempotent through the parsed form.
    assert.deepEqual(specToArgv(d), argv);
  }
});

test('defaults are the documented ones', () => {
  const d = applyDefaults({ mesos: { master: 'm:5050' }, etcd: { endpoints: ['http://e:2379'] } });
  assert.equal(d.replicas, 2);
  assert.equal(d.deletionPolicy, 'Orphan');
  assert.equal(d.serviceAccountName, 'schedulerha-scheduler');
  assert.deepEqual(d.mesos, { master: 'm:5050', user: 'root', roles: ['*'] });
  assert.deepEqual(d.etcd, { endpoints: ['http://e:2379'], prefix: '/k8sm', leaseTTLSeconds: 10 });
  assert.equal(d.flags!.ha, true);
  assert.equal(d.flags!.checkpoint, true);
  assert.equal(d.flags!.failoverTimeout, '168h');
  assert.equal(d.flags!.frameworkName, 'Kubernetes');
  assert.equal(d.flags!.reconcileInterval, '5m');
  assert.equal(d.flags!.taskRetention, '1h');
  const c = parseSchedulerArgv([]).config;
  assert.equal(c.ha, false, 'the command line keeps the seed default --ha=false');
  assert.equal(c.checkpoint, true);
  assert.equal(c.failoverTimeoutSeconds, 604800);
  assert.equal(c.frameworkName, 'Kubernetes');
  assert.equal(c.leaseTtlSeconds, 10);
  assert.equal(c.port, 10251);
  assert.deepEqual(c.mesosRoles, ['*']);
});

test('parser: syntax forms', () => {
  const p = parseSchedulerArgv(['--ha', '--checkpoint=false', '-framework-name', 'X', '--api-servers=a', '--api-servers=b,c', '--mesos-framework-roles=r', '--cluster_dns=1', '--kubelet-flag']);
  assert.deepEqual(p.errors, []);
  assert.equal(p.config.ha, true);
  assert.equal(p.config.checkpoint, false);
  assert.equal(p.config.frameworkName, 'X');
  assert.deepEqual(p.config.apiServers, ['a', 'b', 'c'], 'list flags repeat and append');
  assert.deepEqual(p.config.mesosRoles, ['r'], 'the k8sm alias --mesos-framework-roles');
  assert.deepEqual(p.config.cluster, { dns: '1' });
  assert.deepEqual(p.config.kubelet, { flag: 'true' });
  assert.ok(p.config.explicit.includes('ha') && p.config.explicit.includes('cluster-dns'));
  // A bare family switch before a single-dash flag: the flag is not swallowed as its value; a negative number is one.
  const q = parseSchedulerArgv(['--executor-bindall', '-ha', '--kubelet-oom-score-adj', '-999', '--kubelet-x', 'v']);
  assert.deepEqual(q.errors, []);
  assert.equal(q.config.ha, true);
  assert.deepEqual(q.config.executor, { bindall: 'true' });
  assert.deepEqual(q.config.kubelet, { 'oom-score-adj': '-999', x: 'v' });
});

test('parser: errors say what is wrong', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--bogus=1'], /unknown flag --bogus/],
    [['--km-pth=x'], /unknown flag --km-pth \(did you mean --km-path\?\)/],
    [['--ha=maybe'], /--ha takes true or false, not "maybe"/],
    [['--failover-timeout=soon'], /--failover-timeout: "soon" is not a duration/],
    [['--port=http'], /--port takes an integer, not "http"/],
    [['--mesos-master'], /--mesos-master needs a value/],
    [['positional'], /unexpected argument "positional"/],
  ];
  for (const [argv, re] of cases) {
    const p = parseSchedulerArgv(argv);
    assert.ok(p.errors.some((e) => re.test(e.message)), `${argv.join(' ')} → ${JSON.stringify(p.errors)}`);
  }
});

test('flag validation uses flag names in its messages', () => {
  const c = parseSchedulerArgv(['--ha', '--km-path=/opt/km', '--failover-timeout=0s']).config;
  const r = validateSchedulerConfig(c);
  const msgs = r.errors.map((e) => `${e.path}: ${e.message}`).join('\n');
  assert.match(msgs, /--km-path: with ha, --km-path must be a non-local URI/);
  assert.match(msgs, /--failover-timeout: --failover-timeout must be positive/);
  assert.match(msgs, /--etcd-servers: --etcd-servers is required/);
});

test('--help lists every flag with its default', () => {
  const h = schedulerFlagsHelp();
  for (const f of FLAGS) assert.ok(h.includes(`--${f.name}`), f.name);
  assert.match(h, /--failover-timeout=VALUE.*\(default 168h\)/);
  assert.match(h, /--cluster-\*=VALUE/);
});

test('a flag at its own default is not rendered (an older pinned scheduler image keeps starting), and parses back the same', () => {
  const spec = applyDefaults({ replicas: 2, mesos: { master: 'zk://zk:2181/mesos' }, etcd: { endpoints: ['http://e:2379'] }, flags: { ha: true, kmPath: 'hdfs:///km' } } as SchedulerHASpec);
  const argv = specToArgv(spec);
  assert.deepEqual(argv, ['--ha=true', '--km-path=hdfs:///km', '--mesos-master=zk://zk:2181/mesos', '--etcd-servers=http://e:2379']);
  const explicit = specToArgv(applyDefaults({ ...spec, flags: { ...spec.flags, taskRetention: '2h' } }));
  assert.ok(explicit.includes('--task-retention=2h'), 'a value the spec really sets is rendered');
  // Leaving the defaults out changes nothing the replica computes.
  const full = parseSchedulerArgv([...argv, ...FLAGS.filter((d) => d.default !== undefined && !argv.some((a) => a.startsWith(`--${d.name}=`))).map((d) => `--${d.name}=${d.default}`)]);
  const minimal = parseSchedulerArgv(argv);
  assert.deepEqual({ ...minimal.config, explicit: [] }, { ...full.config, explicit: [] });
});

// The operator's --metrics-bind-address / --health-probe-bind-address, as controller-runtime reads them: ":8081"
// listens on every address of both families (the kubelet probes the pod IP, which is IPv6 on an IPv6 cluster),
// "host:port" on that host only, "0" disables.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseBindAddress } from '../../src/operator/command.js';
import { ProbeServer } from '../../src/util/probe-server.js';
import { silentLogger } from '../../src/util/log.js';

test('bind addresses parse as controller-runtime reads them', () => {
  assert.deepEqual(parseBindAddress('health-probe-bind-address', ':8081'), { host: undefined, port: 8081 });
  assert.deepEqual(parseBindAddress('metrics-bind-address', '127.0.0.1:0'), { host: '127.0.0.1', port: 0 });
  assert.deepEqual(parseBindAddress('metrics-bind-address', '[::1]:8080'), { host: '::1', port: 8080 });
  assert.equal(parseBindAddress('metrics-bind-address', '0'), undefined);
  assert.throws(() => parseBindAddress('metrics-bind-address', '8080'), /--metrics-bind-address: "8080" is not host:port/);
});

test('":port" serves the probes over IPv4 and IPv6', async (t) => {
  const addr = parseBindAddress('health-probe-bind-address', ':0')!;
  const server = await ProbeServer.start({ ...addr, live: () => ({ ok: true }), ready: () => ({ ok: true }), metrics: async () => ({ contentType: 'text/plain', body: '' }), logger: silentLogger });
  t.after(() => server.close());
  const port = new URL(server.url).port;
  for (const host of ['127.0.0.1', '[::1]']) {
    const r = await fetch(`http://${host}:${port}/healthz`, { signal: AbortSignal.timeout(5000) });
    assert.equal(r.status, 200, `/healthz over ${host}`);
  }
  assert.equal((await fetch(`${server.url}/readyz`, { signal: AbortSignal.timeout(5000) })).status, 200, `the advertised URL ${server.url} reaches it`);
});

// The Kubernetes request transport (src/kube/transport.ts): raw requests and the typed clients reuse kept-alive
// connections (client-node 2.0.1 built a new undici Agent — a new connection — per request whenever the kubeconfig
// had any TLS setting, insecure-skip-tls-verify included), carry client-node's credentials, decode gzip, and fail
// in the shapes decodeApiError knows.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { gzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import * as k8s from '@kubernetes/client-node';
import { decodeApiError, kubeRequest, kubeRequestOk, makeClients } from '../../src/kube/index.js';

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
}

async function server(handler?: (req: http.IncomingMessage, res: http.ServerResponse) => void): Promise<{ url: string; connections: () => number; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  let connections = 0;
  const srv = http.createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers });
    req.resume();
    req.on('end', () => {
      if (handler) return handler(req, res);
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ kind: 'PodList', apiVersion: 'v1', metadata: { resourceVersion: '7' }, items: [] }));
    });
  });
  srv.on('connection', () => connections++);
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(srv.address() as AddressInfo).port}`,
    connections: () => connections,
    seen,
    close: () =>
      new Promise<void>((r) => {
        srv.closeAllConnections();
        srv.close(() => r());
      }),
  };
}

function kubeconfig(server: string, user: Record<string, unknown>, cluster: Record<string, unknown> = {}): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server, skipTLSVerify: true, ...cluster }],
    users: [{ name: 'u', ...user }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return kc;
}

test('raw requests and typed clients share one kept-alive connection and carry the credentials', async (t) => {
  const s = await server();
  t.after(() => s.close());
  const kc = kubeconfig(s.url, { token: 'secret-token' });
  for (let i = 0; i < 20; i++) await kubeRequestOk(kc, { method: 'GET', path: '/api/v1/namespaces/a/pods' });
  const clients = makeClients(kc);
  for (let i = 0; i < 10; i++) await clients.core.listNamespacedPod({ namespace: 'a' });
  assert.equal(s.seen.length, 30);
  assert.equal(s.connections(), 1, 'one connection for 30 sequential requests');
  for (const r of s.seen) assert.equal(r.headers.authorization, 'Bearer secret-token');
  assert.match(String(s.seen[0]!.headers['user-agent']), /^schedulerha\/\S+ \(/, 'raw requests name this program (the API server takes the field manager from it)');
  assert.match(String(s.seen[29]!.headers['user-agent']), /^kubernetes-client-javascript\//, "typed clients keep client-node's User-Agent");

  // Concurrent requests open more connections, and keep them.
  await Promise.all(Array.from({ length: 8 }, () => kubeRequestOk(kc, { method: 'GET', path: '/api/v1/pods' })));
  const afterBurst = s.connections();
  assert.ok(afterBurst <= 8, `${afterBurst} connections for 8 concurrent requests`);
  await Promise.all(Array.from({ length: 8 }, () => kubeRequestOk(kc, { method: 'GET', path: '/api/v1/pods' })));
  assert.equal(s.connections(), afterBurst, 'the second burst reuses them');
});

test('basic auth becomes an Authorization header; a changed CA starts a new pool; http without skip-verify is refused', async (t) => {
  const s = await server();
  t.after(() => s.close());
  const kc = kubeconfig(s.url, { username: 'admin', password: 'pw' });
  await kubeRequestOk(kc, { method: 'GET', path: '/api/v1/pods' });
  assert.equal(s.seen[0]!.headers.authorization, `Basic ${Buffer.from('admin:pw').toString('base64')}`);
  await kubeRequestOk(kc, { method: 'GET', path: '/api/v1/pods' });
  assert.equal(s.connections(), 1);
  // Rotated TLS material (here a CA; plain http ignores it) is used from the next request on: a new pool.
  (kc.clusters[0] as { caData?: string }).caData = Buffer.from('-----BEGIN CERTIFICATE-----\nrotated\n-----END CERTIFICATE-----\n').toString('base64');
  await kubeRequestOk(kc, { method: 'GET', path: '/api/v1/pods' });
  assert.equal(s.connections(), 2);

  const strict = kubeconfig(s.url, { token: 't' }, { skipTLSVerify: false });
  await assert.rejects(kubeRequest(strict, { method: 'GET', path: '/api/v1/pods' }), /HTTP protocol is not allowed when skipTLSVerify is not set/);
});

test('gzip answers are decoded; bodies and content types go out as given', async (t) => {
  const s = await server((req, res) => {
    res.setHeader('Content-Type', 'application/json');
    if (req.method === 'GET') {
      res.setHeader('Content-Encoding', 'gzip');
      res.end(gzipSync(JSON.stringify({ kind: 'Pod', metadata: { name: 'p' } })));
    } else res.end(JSON.stringify({ ok: true }));
  });
  t.after(() => s.close());
  const kc = kubeconfig(s.url, { token: 't' });
  const pod = await kubeRequestOk<{ metadata: { name: string } }>(kc, { method: 'GET', path: '/api/v1/namespaces/a/pods/p' });
  assert.equal(pod.metadata.name, 'p');
  assert.equal(s.seen[0]!.headers['accept-encoding'], 'gzip');
  await kubeRequestOk(kc, { method: 'PATCH', path: '/api/v1/namespaces/a/pods/p', body: { metadata: { labels: { a: 'b' } } }, contentType: 'application/merge-patch+json' });
  assert.equal(s.seen[1]!.headers['content-type'], 'application/merge-patch+json');
  assert.equal(s.seen[1]!.headers['content-length'], String(JSON.stringify({ metadata: { labels: { a: 'b' } } }).length));
});

test('timeouts, aborts and refused connections fail in the shapes decodeApiError knows', async (t) => {
  const hang = await server(() => undefined);
  t.after(() => hang.close());
  const kc = kubeconfig(hang.url, { token: 't' });
  const timedOut = await kubeRequest(kc, { method: 'GET', path: '/api/v1/pods', timeoutMs: 200 }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.equal(decodeApiError(timedOut).reason, 'Timeout');
  const ac = new AbortController();
  const p = kubeRequest(kc, { method: 'GET', path: '/api/v1/pods', signal: ac.signal });
  setTimeout(() => ac.abort(), 50);
  const aborted = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.equal(decodeApiError(aborted).reason, 'Aborted');

  const gone = await server();
  const url = gone.url;
  await gone.close();
  const refused = await kubeRequest(kubeconfig(url, { token: 't' }), { method: 'GET', path: '/api/v1/pods' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  const d = decodeApiError(refused);
  assert.equal(d.reason, 'NetworkError');
  assert.match(d.message, /ECONNREFUSED/);
});

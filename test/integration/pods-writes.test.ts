// The pod scheduler's Kubernetes writes end with the leader term: a write still queued at the API server when the
// term's signal aborts is never executed, so an old term's late Binding cannot land after the next leader has
// placed the pod elsewhere. Kubernetes API emulator (a delayed, i.e. queued, request is dropped when its client
// gives up, as priority and fairness drops a cancelled queued request).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as k8s from '@kubernetes/client-node';
import { KubeApiServer } from '../../src/devstack/kube/server.js';
import { KubePodWriter } from '../../src/scheduler/pods/pod-writes.js';
import { kubeRequestOk } from '../../src/kube/request.js';

test('a Binding in flight when the term ends is aborted and never lands; one of a live term does', async (t) => {
  const server = await KubeApiServer.start();
  t.after(() => server.stop());
  const kc = new k8s.KubeConfig();
  kc.loadFromString(server.kubeconfig);
  const mk = async (name: string) =>
    kubeRequestOk<{ metadata: { name: string; namespace: string; uid: string } }>(kc, { method: 'POST', path: '/api/v1/namespaces/default/pods', body: { apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { schedulerName: 'kubernetes', containers: [{ name: 'c', image: 'x' }] } } });
  const node = async (name: string) => (await kubeRequestOk<{ spec: { nodeName?: string } }>(kc, { method: 'GET', path: `/api/v1/namespaces/default/pods/${name}` })).spec.nodeName;
  const a = await mk('a');
  const b = await mk('b');
  server.hooks.delayResponses(600, { method: 'POST', path: /\/binding$/ });
  const w = new KubePodWriter(kc);
  const term = new AbortController();
  const late = w.bind({ namespace: 'default', name: 'a', uid: a.metadata.uid }, 'agent-0', {}, term.signal);
  setTimeout(() => term.abort(), 100); // the term ends (resign, lost lease) while the Binding waits
  await assert.rejects(late, /aborted/);
  await w.bind({ namespace: 'default', name: 'b', uid: b.metadata.uid }, 'agent-1', {}, new AbortController().signal);
  await new Promise((r) => setTimeout(r, 800));
  assert.equal(await node('a'), undefined, "the old term's Binding never landed");
  assert.equal(await node('b'), 'agent-1');
});

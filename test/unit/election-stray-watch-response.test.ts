// etcd3's WatchManager, as patched by election/watch.ts: an answer for a watch the client has already dropped is
// dropped (counted), not thrown out of the stream's data handler; answers for held watches go through as before.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { WatchManager } from 'etcd3/lib/watch.js';
import { strayWatchResponses } from '../../src/election/index.js';

type Handle = (this: unknown, res: Record<string, unknown>) => void;
const handleResponse = (WatchManager.prototype as unknown as { handleResponse: Handle }).handleResponse;

test('an answer for a dropped watch is dropped and counted; one for a held watch reaches it', () => {
  const held = Object.assign(new EventEmitter(), { id: '7' });
  const got: unknown[] = [];
  held.on('data', (r) => got.push(r));
  const manager = Object.assign(Object.create(WatchManager.prototype) as object, { watchers: [held], initialBackoff: { next: () => undefined }, backoff: undefined });
  const before = strayWatchResponses();
  assert.doesNotThrow(() => handleResponse.call(manager, { watch_id: '9', canceled: false, events: [] }));
  assert.equal(strayWatchResponses(), before + 1);
  handleResponse.call(manager, { watch_id: '7', canceled: false, events: [] });
  assert.equal(got.length, 1);
});

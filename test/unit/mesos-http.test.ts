// Redirects of the Mesos HTTP clients never downgrade https to http (the credentials would follow in clear text).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveLocation } from '../../src/mesos/http.js';

test('a redirect keeps https: protocol-relative and https locations are followed, a downgrade to http is refused', () => {
  assert.equal(resolveLocation('//m2:5050/api/v1/scheduler', 'https://m1:5050/api/v1/scheduler').href, 'https://m2:5050/api/v1/scheduler');
  assert.equal(resolveLocation('https://m2:5443/api/v1', new URL('https://m1:5443/api/v1')).href, 'https://m2:5443/api/v1');
  assert.equal(resolveLocation('//m2:5050/api/v1', 'http://m1:5050/api/v1').href, 'http://m2:5050/api/v1');
  assert.equal(resolveLocation('https://m2:5443/api/v1', 'http://m1:5050/api/v1').href, 'https://m2:5443/api/v1', 'an upgrade is fine');
  assert.throws(() => resolveLocation('http://evil:80/api/v1', 'https://m1:5443/api/v1'), /refusing to follow a redirect from https:\/\/m1:5443 \(https\) to http:\/\/evil(:80)?: .*unencrypted/);
});

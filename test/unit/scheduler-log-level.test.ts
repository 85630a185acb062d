// The scheduler's log level: --log-level when given, else $SCHEDULERHA_LOG_LEVEL (how a local stack switches its
// replicas to debug without touching the command line the operator renders), else the flag's default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { logLevelFor } from '../../src/scheduler/command.js';

test('the flag wins, then the environment, then the default', () => {
  assert.equal(logLevelFor(['--ha', '--log-level=warn'], 'warn', { SCHEDULERHA_LOG_LEVEL: 'debug' }), 'warn');
  assert.equal(logLevelFor(['--log-level', 'error'], 'error', { SCHEDULERHA_LOG_LEVEL: 'debug' }), 'error');
  assert.equal(logLevelFor(['--ha'], 'info', { SCHEDULERHA_LOG_LEVEL: 'debug' }), 'debug');
  assert.equal(logLevelFor(['--ha'], 'info', { SCHEDULERHA_LOG_LEVEL: ' DEBUG ' }), 'debug');
  assert.equal(logLevelFor(['--ha'], 'info', {}), 'info');
  assert.equal(logLevelFor(['--ha'], 'info', { SCHEDULERHA_LOG_LEVEL: 'verbose' }), 'info', 'an unknown level is ignored, not fatal');
});

// Leading-master detection: one factory for every address form `parseMesosMaster` accepts.
//   zk://[user:pass@]h1:p1,h2:p2/path  → ZkMasterDetector (group members in ZooKeeper, watched)
//   host:port, http(s)://host:port, comma lists → HttpMasterDetector (ask candidates for /redirect in turn)
//
//   const d = createMasterDetector(parsed.value, { logger });
//   d.start();
//   const leader = await d.waitForLeader(signal);        // { url: 'http://h:5050', info?, member? }
//   d.on('change', (leader, previous) => ...);           // undefined = no leader
//   d.reportFailure(leader.url, 'connection refused');   // a client hint: re-detect now
//   await d.stop();
import type { MasterAddress } from '../api/addresses.js';
import type { Logger } from '../util/log.js';
import type { CreateDetectorOptions, MasterDetector } from './detector-base.js';
import { HttpMasterDetector } from './http-detector.js';
import { ZkMasterDetector } from './zk-detector.js';

export * from './detector-base.js';
export { HttpMasterDetector } from './http-detector.js';
export { ZkMasterDetector } from './zk-detector.js';

export function createMasterDetector(address: MasterAddress, opts: CreateDetectorOptions = {}): MasterDetector {
  const d = address.kind === 'zk' ? new ZkMasterDetector(address, opts) : new HttpMasterDetector(address.urls, opts);
  if (opts.logger) logWarnings(d, opts.logger);
  return d;
}

/** Detector warnings (ZooKeeper unreachable, authentication failed, no permission, unusable MasterInfo) in the log,
 * at warn: each distinct message at most once a minute, since a failing ZooKeeper repeats them on every retry. */
function logWarnings(d: MasterDetector, log: Logger): void {
  const last = new Map<string, number>();
  d.on('warning', (message, error) => {
    const now = Date.now();
    if (now - (last.get(message) ?? -Infinity) < 60_000) return;
    if (last.size >= 100) last.clear();
    last.set(message, now);
    log.warn(error ? { err: error.message } : {}, message);
  });
}

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
import type { CreateDetectorOptions, MasterDetector } from './detector-base.js';
import { HttpMasterDetector } from './http-detector.js';
import { ZkMasterDetector } from './zk-detector.js';

export * from './detector-base.js';
export { HttpMasterDetector } from './http-detector.js';
export { ZkMasterDetector } from './zk-detector.js';

export function createMasterDetector(address: MasterAddress, opts: CreateDetectorOptions = {}): MasterDetector {
  if (address.kind === 'zk') return new ZkMasterDetector(address, opts);
  return new HttpMasterDetector(address.urls, opts);
}

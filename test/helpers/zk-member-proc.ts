// Child process: joins a ZooKeeper group as a fake Mesos master and stays until killed.
// argv: <connectionString> <groupPath> <masterInfoJson> <sessionTimeoutMs>
import zookeeper from 'node-zookeeper-client';
import { createZkClient } from '../../src/mesos/zk-client.js';

const [conn, groupPath, info, timeout] = process.argv.slice(2) as [string, string, string, string];
const c = createZkClient(conn, { sessionTimeout: Number(timeout), spinDelay: 200, retries: 1 });
c.once('connected', () => {
  c.mkdirp(groupPath, (err) => {
    if (err) {
      console.error(`mkdirp failed: ${String(err)}`);
      process.exit(1);
    }
    c.create(`${groupPath}/json.info_`, Buffer.from(info), zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL, (err2, path) => {
      if (err2) {
        console.error(`create failed: ${String(err2)}`);
        process.exit(1);
      }
      console.log(`CREATED ${path}`);
    });
  });
});
c.connect();
setInterval(() => undefined, 1 << 30);

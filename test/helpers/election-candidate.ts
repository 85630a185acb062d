// A candidate process for the election tests and benchmark. Campaigns with the Candidate from src/election and
// prints one JSON line per event on stdout, stamped with wall-clock time comparable across processes
// (performance.timeOrigin + performance.now()). Commands on stdin, one per line:
//   resign             step down (campaigns again after rejoinDelayMs)
//   put <key> <value>  fenced write through the current term (prints {"ev":"put",...})
//   exit               resign and exit 0
// stdin closing (the test died) also exits. Usage: node election-candidate.js '<json config>'.
import { createInterface } from 'node:readline';
import { Candidate, createEtcdClient, type Leadership } from '../../src/election/index.js';
import { createLogger } from '../../src/util/log.js';

interface Config {
  endpoints: string[];
  electionPrefix: string;
  id: string;
  ttlSeconds: number;
  marginMs?: number;
  keepaliveIntervalMs?: number;
  callTimeoutMs?: number;
  recheckIntervalMs?: number;
  rejoinDelayMs?: number;
  /** Do not campaign again after a term ends (default false). */
  once?: boolean;
  logLevel?: string;
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as Config;
const now = (): number => performance.timeOrigin + performance.now();
const toWall = (mono: number): number => performance.timeOrigin + mono;
const out = (o: Record<string, unknown>): void => {
  process.stdout.write(`${JSON.stringify({ t: now(), id: cfg.id, pid: process.pid, ...o })}\n`);
};

const log = createLogger({ name: `candidate-${cfg.id}`, level: cfg.logLevel ?? 'warn', pretty: false, destination: process.stderr });
const client = createEtcdClient({ endpoints: cfg.endpoints, callTimeoutMs: cfg.callTimeoutMs ?? 2000 });
const candidate = new Candidate({
  client,
  electionPrefix: cfg.electionPrefix,
  value: JSON.stringify({ id: cfg.id, pid: process.pid }),
  ttlSeconds: cfg.ttlSeconds,
  ...(cfg.marginMs !== undefined ? { marginMs: cfg.marginMs } : {}),
  ...(cfg.keepaliveIntervalMs !== undefined ? { keepaliveIntervalMs: cfg.keepaliveIntervalMs } : {}),
  ...(cfg.recheckIntervalMs !== undefined ? { recheckIntervalMs: cfg.recheckIntervalMs } : {}),
  rejoinDelayMs: cfg.rejoinDelayMs ?? 200,
  retryInitialMs: 100,
  retryMaxMs: 1000,
  logger: log,
});

function errorFields(err: unknown): Record<string, unknown> {
  const e = err as { name?: string; message?: string; reason?: string; failure?: string; termLossReason?: string };
  return { error: e?.message ?? String(err), name: e?.name, reason: e?.reason, failure: e?.failure, termLossReason: e?.termLossReason };
}

let leadership: Leadership | undefined;
candidate.on('queued', (info) => out({ ev: 'queued', ...info }));
candidate.on('elected', (term, l) => {
  leadership = l;
  out({ ev: 'elected', term, electedRevision: l.electedRevision, electedAt: toWall(l.electedAt), value: l.value });
});
candidate.on('lost', (term, reason, loss) => {
  leadership = undefined;
  out({ ev: 'lost', term, reason, endedAt: toWall(loss.at) });
  if (cfg.once) void shutdown(0);
});
candidate.on('campaign-error', (err) => out({ ev: 'campaign-error', ...errorFields(err) }));

let exiting = false;
async function shutdown(code: number): Promise<void> {
  if (exiting) return;
  exiting = true;
  await candidate.stop();
  out({ ev: 'exiting' });
  client.close();
  process.exit(code);
}

const rl = createInterface({ input: process.stdin });
rl.on('line', (line) => {
  const [cmd, ...args] = line.trim().split(/\s+/);
  if (cmd === 'resign') {
    void candidate.resign().then((was) => out({ ev: 'resign-done', was }));
  } else if (cmd === 'put') {
    const l = leadership;
    if (!l) {
      out({ ev: 'put', ok: false, error: 'not leader' });
      return;
    }
    l.store.put(args[0] ?? '', args.slice(1).join(' ')).then(
      (r) => out({ ev: 'put', ok: true, revision: r.revision }),
      (err: unknown) => out({ ev: 'put', ok: false, ...errorFields(err) }),
    );
  } else if (cmd === 'exit') {
    void shutdown(0);
  }
});
rl.on('close', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

out({ ev: 'ready' });
candidate.start();

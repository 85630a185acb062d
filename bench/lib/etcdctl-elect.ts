// The benchmarks' reference hand-off: `etcdctl elect <prefix> <value>` processes (Go's concurrency.Election) on
// the same etcd. A process prints its key and value once elected; SIGINT makes it resign.
import type { Proc, ProcGroup } from '../../test/helpers/procs.js';
import { wallNow } from '../../test/helpers/election-harness.js';

export interface EtcdctlCandidate {
  proc: Proc;
  value: string;
  /** Wall time the bench received the line with its value (elected), if yet. */
  electedRt?: number;
  /** Resolves with electedRt when that line arrives (no polling while a hand-off is timed). */
  elected: Promise<number>;
}

/** Returns a function that starts the next candidate (values go-0, go-1, …) campaigning under `prefix`. */
export function etcdctlCandidates(group: ProcGroup, endpoint: string, prefix: string): () => EtcdctlCandidate {
  let seq = 0;
  return () => {
    const value = `go-${seq++}`;
    const proc = group.spawn('etcdctl', ['--endpoints', endpoint, 'elect', prefix, value], { env: { ...process.env, ETCDCTL_API: '3' } });
    let resolveElected!: (rt: number) => void;
    const g: EtcdctlCandidate = { proc, value, elected: new Promise((r) => (resolveElected = r)) };
    proc.child.stdout?.on('data', () => {
      if (g.electedRt === undefined && proc.output().includes(`\n${value}\n`)) {
        g.electedRt = wallNow();
        resolveElected(g.electedRt);
      }
    });
    return g;
  };
}

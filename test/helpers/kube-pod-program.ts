// A tiny HTTP program the pod-runner tests run as a container: it binds POD_IP:PORT, answers /healthz (200),
// /ready (503 until the file <MARK_DIR>/<POD_NAME>.ready exists), /version (VERSION), /env (its environment),
// and /exit?code=N (exits). On SIGTERM it writes <MARK_DIR>/<POD_NAME>.sigterm.<pid> and exits 0 (or keeps
// running when IGNORE_SIGTERM=1, to exercise SIGKILL after the grace period).
import http from 'node:http';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const host = process.env.POD_IP ?? '127.0.0.1';
const port = Number(process.env.PORT ?? 8080);
const name = process.env.POD_NAME ?? 'pod';
const markDir = process.env.MARK_DIR ?? '.';

const server = http.createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  switch (url.pathname) {
    case '/healthz':
      res.end('ok');
      return;
    case '/ready': {
      const ok = existsSync(join(markDir, `${name}.ready`));
      res.writeHead(ok ? 200 : 503);
      res.end(ok ? 'ready' : 'not ready');
      return;
    }
    case '/version':
      res.end(process.env.VERSION ?? '');
      return;
    case '/env':
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify(process.env));
      return;
    case '/exit':
      res.end('bye');
      setTimeout(() => process.exit(Number(url.searchParams.get('code') ?? 1)), 10);
      return;
    default:
      res.writeHead(404);
      res.end();
  }
});

process.on('SIGTERM', () => {
  writeFileSync(join(markDir, `${name}.sigterm.${process.pid}`), new Date().toISOString());
  console.log(`${name}: SIGTERM received`);
  if (process.env.IGNORE_SIGTERM === '1') return;
  server.close();
  setTimeout(() => process.exit(0), 50);
});

server.listen(port, host, () => console.log(`${name}: listening on ${host}:${port} pid ${process.pid}`));

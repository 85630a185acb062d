// node-zookeeper-client 1.1.3 with two defects contained:
// 1. `close()` while a connection handshake is in flight makes the library parse the server's connect response as
//    a reply header and throw "Unknown code" from a socket 'data' listener — an uncaught exception that kills the
//    process. We wrap the connection manager's data handler (before any socket exists, so every socket binds the
//    wrapper): a parse failure drops that socket instead of the process, and the library's own reconnect logic
//    (or, when closing, its close path) takes over.
// 2. A close that races a pending reconnect can be overwritten (CLOSING → CONNECTING) and the client retries
//    forever, keeping the process alive. `closeZkClient` re-closes until the state really is CLOSED (bounded).
import zookeeper from 'node-zookeeper-client';
import type { Client, Option } from 'node-zookeeper-client';
import type { Socket } from 'node:net';

const STATE_CLOSING = -1;
const STATE_CLOSED = -2;
const STATE_CONNECTED = 2;
const STATE_CONNECTED_READ_ONLY = 3;

interface ConnectionManagerInternals {
  state: number;
  socket?: Socket;
  onSocketData: (buf: Buffer) => void;
}

function internals(c: Client): ConnectionManagerInternals | undefined {
  const cm = (c as unknown as { connectionManager?: ConnectionManagerInternals }).connectionManager;
  return cm && typeof cm.onSocketData === 'function' && typeof cm.state === 'number' ? cm : undefined;
}

export function createZkClient(connectionString: string, options: Partial<Option>, onProtocolError?: (err: unknown) => void): Client {
  const client = zookeeper.createClient(connectionString, options);
  const cm = internals(client);
  if (cm) {
    const original = cm.onSocketData;
    cm.onSocketData = function (this: ConnectionManagerInternals, buf: Buffer) {
      try {
        original.call(this, buf);
      } catch (err) {
        onProtocolError?.(err);
        this.socket?.destroy();
      }
    };
  }
  return client;
}

/** Closes the session and resolves once the client is really closed (at most `timeoutMs`). */
export async function closeZkClient(client: Client, timeoutMs = 5000): Promise<void> {
  const cm = internals(client);
  if (cm?.state === STATE_CLOSED) return; // already closed: a second close() would hang in CLOSING
  client.close();
  if (!cm) return;
  const deadline = Date.now() + timeoutMs;
  while (cm.state !== STATE_CLOSED && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 20));
    // A reconnect overwrote our close: close again (once connected the library closes cleanly).
    if (cm.state !== STATE_CLOSING && cm.state !== STATE_CLOSED) client.close();
  }
  if (cm.state !== STATE_CLOSED) cm.socket?.destroy();
}

export function zkConnected(client: Client): boolean {
  const s = internals(client)?.state;
  return s === STATE_CONNECTED || s === STATE_CONNECTED_READ_ONLY;
}

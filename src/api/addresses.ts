// Pure parsers for the addresses users write: Mesos masters (zk://, host:port, http(s)://, comma lists)
// and etcd endpoints. WHATWG `new URL()` cannot parse multi-host zk:// URLs, hence a dedicated parser.
// Each returns either a value or an `error` string that says what is wrong and shows a correct form.

export interface HostPort {
  host: string;
  port: number;
}

export interface ZkMasterAddress {
  kind: 'zk';
  /** "h1:p1,h2:p2" — what a ZooKeeper client takes as its connection string. */
  connectionString: string;
  servers: HostPort[];
  /** Znode path of the Mesos group, "/" when none was given. */
  path: string;
  /** Optional digest credentials from `user:password@`. */
  auth?: { user: string; password: string };
}

export interface HttpMasterAddress {
  kind: 'http';
  /** One or more candidate masters, tried in turn; each a base URL without trailing slash. */
  urls: string[];
}

export type MasterAddress = ZkMasterAddress | HttpMasterAddress;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

/** A zk:// master with ZooKeeper digest credentials given apart from its URL (a Secret, a password file); any other
 * master as it is. */
export function withZkAuth(address: MasterAddress, auth: { user: string; password: string } | undefined): MasterAddress {
  return auth && address.kind === 'zk' ? { ...address, auth } : address;
}

const HOST_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])$/;

export function parseHostPort(s: string, defaultPort?: number): Parsed<HostPort> {
  const t = s.trim();
  if (t === '') return { ok: false, error: 'empty host' };
  let host: string;
  let portStr: string | undefined;
  if (t.startsWith('[')) {
    const end = t.indexOf(']');
    if (end < 0) return { ok: false, error: `"${t}": unterminated IPv6 bracket` };
    host = t.slice(0, end + 1);
    const rest = t.slice(end + 1);
    if (rest !== '' && !rest.startsWith(':')) return { ok: false, error: `"${t}": expected ":port" after "${host}"` };
    portStr = rest === '' ? undefined : rest.slice(1);
  } else {
    const parts = t.split(':');
    if (parts.length > 2) return { ok: false, error: `"${t}": too many ":" (write IPv6 addresses as [addr]:port)` };
    host = parts[0]!;
    portStr = parts[1];
  }
  if (!HOST_RE.test(host)) return { ok: false, error: `"${host}" is not a valid host name or address` };
  let port: number;
  if (portStr === undefined) {
    if (defaultPort === undefined) return { ok: false, error: `"${t}" has no port (write host:port)` };
    port = defaultPort;
  } else {
    if (!/^\d{1,5}$/.test(portStr)) return { ok: false, error: `"${t}": port "${portStr}" is not a number` };
    port = Number(portStr);
    if (port < 1 || port > 65535) return { ok: false, error: `"${t}": port ${port} is outside 1-65535` };
  }
  return { ok: true, value: { host, port } };
}

export function formatHostPort(hp: HostPort): string {
  return `${hp.host}:${hp.port}`;
}

/** `zk://[user:password@]h1:p1[,h2:p2...]/path`. Error messages show the URL with its password masked: they end up
 * in status conditions, Events and logs. */
export function parseZkUrl(s: string): Parsed<ZkMasterAddress> {
  const t = s.trim();
  const shown = maskZkPassword(t);
  if (!t.startsWith('zk://')) return { ok: false, error: `"${shown}" does not start with zk://` };
  let rest = t.slice('zk://'.length);
  let auth: ZkMasterAddress['auth'];
  const slash = rest.indexOf('/');
  const authority = slash < 0 ? rest : rest.slice(0, slash);
  const path = slash < 0 ? '/' : rest.slice(slash);
  let hostsPart = authority;
  const at = authority.lastIndexOf('@');
  if (at >= 0) {
    const cred = authority.slice(0, at);
    hostsPart = authority.slice(at + 1);
    const colon = cred.indexOf(':');
    if (colon <= 0) return { ok: false, error: `"${shown}": credentials must be user:password@ before the hosts` };
    try {
      auth = { user: decodeURIComponent(cred.slice(0, colon)), password: decodeURIComponent(cred.slice(colon + 1)) };
    } catch {
      return { ok: false, error: `"${shown}": the user or password has a malformed %-escape (write % as %25)` };
    }
  }
  if (hostsPart === '') return { ok: false, error: `"${shown}" names no ZooKeeper hosts (write zk://h1:2181,h2:2181/mesos)` };
  const servers: HostPort[] = [];
  for (const h of hostsPart.split(',')) {
    const p = parseHostPort(h, 2181);
    if (!p.ok) return { ok: false, error: `"${shown}": ZooKeeper host ${p.error}` };
    servers.push(p.value);
  }
  if (!/^\/[A-Za-z0-9_.\-/]*$/.test(path) || path.includes('//')) {
    return { ok: false, error: `"${shown}": znode path "${path}" is not valid (write e.g. /mesos)` };
  }
  rest = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return { ok: true, value: { kind: 'zk', connectionString: servers.map(formatHostPort).join(','), servers, path: rest, ...(auth ? { auth } : {}) } };
}

/** A zk:// URL with the password of its `user:password@` part replaced by `***`. */
export function maskZkPassword(url: string): string {
  return url.replace(/^(zk:\/\/[^/@]*?:)[^/]*@/, '$1***@');
}

/** A Mesos master: zk://…, host:port, http(s)://host:port, or a comma list of the latter two (tried in turn). */
/** `tls`: a bare host:port names an https master (--mesos-tls / spec.mesos.tls); explicit http:// stays http for the
 * validator to refuse. */
export function parseMesosMaster(s: string, opts: { tls?: boolean } = {}): Parsed<MasterAddress> {
  const t = s.trim();
  if (t === '') return { ok: false, error: 'the Mesos master is empty (write zk://h1:2181,h2:2181/mesos or host:5050)' };
  if (t.startsWith('zk://')) return parseZkUrl(t);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(t) && !/^https?:\/\//i.test(t)) {
    return { ok: false, error: `"${t}" has an unsupported scheme (use zk://, http:// or https://, or plain host:port)` };
  }
  const urls: string[] = [];
  for (const part of t.split(',')) {
    const p = part.trim();
    let scheme = opts.tls ? 'https' : 'http';
    let hostport = p;
    const m = /^(https?):\/\/(.*)$/i.exec(p);
    if (m) {
      scheme = m[1]!.toLowerCase();
      hostport = m[2]!;
      if (hostport.endsWith('/')) hostport = hostport.slice(0, -1);
      if (hostport.includes('/')) return { ok: false, error: `"${p}": a master URL must not have a path (write ${scheme}://host:5050)` };
    }
    const hp = parseHostPort(hostport, m && scheme === 'https' ? 443 : 5050);
    if (!hp.ok) return { ok: false, error: `Mesos master ${hp.error}` };
    urls.push(`${scheme}://${formatHostPort(hp.value)}`);
  }
  return { ok: true, value: { kind: 'http', urls } };
}

/** etcd endpoint: http(s)://host:port (what etcd's own --endpoints takes). */
export function parseEtcdEndpoint(s: string): Parsed<string> {
  const t = s.trim();
  const m = /^(https?):\/\/([^/]+)\/?$/i.exec(t);
  if (!m) return { ok: false, error: `"${t}" is not an etcd endpoint (write http://host:2379 or https://host:2379)` };
  const hp = parseHostPort(m[2]!);
  if (!hp.ok) return { ok: false, error: `etcd endpoint ${hp.error}` };
  return { ok: true, value: `${m[1]!.toLowerCase()}://${formatHostPort(hp.value)}` };
}

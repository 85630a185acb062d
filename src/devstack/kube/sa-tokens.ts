// ServiceAccount tokens as kube-apiserver issues and checks them: the TokenRequest API
// (POST /api/v1/namespaces/<ns>/serviceaccounts/<name>/token, what kubectl create token and the kubelet's projected
// token volumes use) signs a JWT with the claims of a bound service account token (iss, sub
// system:serviceaccount:<ns>:<name>, aud, exp/iat/nbf, kubernetes.io.{namespace, serviceaccount, pod}); the token
// authenticator accepts it only while its signature, expiry and audience hold, the ServiceAccount still exists
// with the same uid, and a bound pod still exists with the same uid (service-account-lookup, as by default).
// Tokens are HS256 here (the real server signs RS256 with its service-account key; clients treat them as opaque).
import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import type { KObject } from './meta.js';
import { ApiError, badRequest, conflict, invalidError, notFound, type FieldError } from './status.js';
import { serviceAccountUser, type UserInfo } from './authz.js';

/** The API server's own audience (its default --api-audiences: the issuer). */
export const API_AUDIENCE = 'https://kubernetes.default.svc.cluster.local';
/** TokenRequest: default and minimum lifetime (apis/authentication/validation). */
export const DEFAULT_EXPIRATION_SECONDS = 3600;
export const MIN_EXPIRATION_SECONDS = 600;
const MAX_EXPIRATION_SECONDS = 2 ** 32;

export interface TokenLookup {
  serviceAccount(namespace: string, name: string): KObject | undefined;
  pod(namespace: string, name: string): KObject | undefined;
}

export interface BoundClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat: number;
  nbf: number;
  jti: string;
  'kubernetes.io': {
    namespace: string;
    serviceaccount: { name: string; uid: string };
    pod?: { name: string; uid: string };
  };
}

const b64url = (b: Buffer | string) => Buffer.from(b).toString('base64url');

export class ServiceAccountTokens {
  private readonly secret: Buffer;
  private readonly kid: string;
  readonly issuer: string;
  readonly audiences: string[];
  private readonly now: () => number;

  constructor(
    private readonly lookup: TokenLookup,
    opts: { secret?: Buffer; issuer?: string; audiences?: string[]; now?: () => number } = {},
  ) {
    this.secret = opts.secret ?? randomBytes(32);
    this.kid = createHmac('sha256', this.secret).update('kid').digest('base64url').slice(0, 43);
    this.issuer = opts.issuer ?? API_AUDIENCE;
    this.audiences = opts.audiences ?? [this.issuer];
    this.now = opts.now ?? Date.now;
  }

  private sign(claims: BoundClaims): string {
    const head = b64url(JSON.stringify({ alg: 'HS256', kid: this.kid }));
    const body = b64url(JSON.stringify(claims));
    const sig = createHmac('sha256', this.secret).update(`${head}.${body}`).digest('base64url');
    return `${head}.${body}.${sig}`;
  }

  /** The claims of a token this server signed, or why it is not valid. */
  verify(token: string): { claims: BoundClaims } | { error: string } {
    const parts = token.split('.');
    if (parts.length !== 3) return { error: 'not a JWT' };
    const expected = createHmac('sha256', this.secret).update(`${parts[0]}.${parts[1]}`).digest();
    const got = Buffer.from(parts[2]!, 'base64url');
    if (got.length !== expected.length || !timingSafeEqual(got, expected)) return { error: 'invalid signature' };
    let claims: BoundClaims;
    try {
      claims = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as BoundClaims;
    } catch {
      return { error: 'malformed claims' };
    }
    const nowS = Math.floor(this.now() / 1000);
    if (claims.iss !== this.issuer) return { error: 'wrong issuer' };
    if (nowS >= claims.exp) return { error: 'token has expired' };
    if (nowS < claims.nbf - 60) return { error: 'token used before issued' };
    if (!claims.aud?.some((a) => this.audiences.includes(a))) return { error: 'token audiences is invalid for the target audiences' };
    const k = claims['kubernetes.io'];
    if (!k?.namespace || !k.serviceaccount?.name) return { error: 'not a service account token' };
    const sa = this.lookup.serviceAccount(k.namespace, k.serviceaccount.name);
    if (!sa) return { error: `service account ${k.namespace}/${k.serviceaccount.name} has been deleted` };
    if (sa.metadata.uid !== k.serviceaccount.uid) return { error: `service account UID (${k.serviceaccount.uid}) does not match the current one (${sa.metadata.uid})` };
    if (sa.metadata.deletionTimestamp) return { error: 'service account is being deleted' };
    if (k.pod) {
      const pod = this.lookup.pod(k.namespace, k.pod.name);
      if (!pod) return { error: `pod ${k.namespace}/${k.pod.name} has been deleted` };
      if (pod.metadata.uid !== k.pod.uid) return { error: `pod UID (${k.pod.uid}) does not match the current one (${pod.metadata.uid})` };
      // A pod awaiting removal keeps its token for a minute, as the real validator allows.
      const del = pod.metadata.deletionTimestamp ? Date.parse(pod.metadata.deletionTimestamp) : undefined;
      if (del !== undefined && del < this.now() - 60_000) return { error: 'Token has been invalidated' };
    }
    return { claims };
  }

  /** The user a bearer token authenticates as, or undefined (the server answers 401). */
  authenticate(token: string): UserInfo | undefined {
    const r = this.verify(token);
    if ('error' in r) return undefined;
    const k = r.claims['kubernetes.io'];
    const extra: Record<string, string[]> = {};
    if (k.pod) {
      extra['authentication.kubernetes.io/pod-name'] = [k.pod.name];
      extra['authentication.kubernetes.io/pod-uid'] = [k.pod.uid];
    }
    extra['authentication.kubernetes.io/credential-id'] = [`JTI=${r.claims.jti}`];
    return serviceAccountUser(k.namespace, k.serviceaccount.name, k.serviceaccount.uid, extra);
  }

  /** Issues a token directly (what a TokenRequest with these settings returns). */
  issue(namespace: string, name: string, opts: { audiences?: string[]; expirationSeconds?: number; pod?: { name: string; uid: string } } = {}): { token: string; expirationTimestamp: string } {
    const sa = this.lookup.serviceAccount(namespace, name);
    if (!sa) throw notFound({ group: '', resource: 'serviceaccounts' }, name);
    const iat = Math.floor(this.now() / 1000);
    const exp = iat + (opts.expirationSeconds ?? DEFAULT_EXPIRATION_SECONDS);
    const claims: BoundClaims = {
      iss: this.issuer,
      sub: `system:serviceaccount:${namespace}:${name}`,
      aud: opts.audiences?.length ? opts.audiences : [...this.audiences],
      exp,
      iat,
      nbf: iat,
      jti: randomUUID(),
      'kubernetes.io': { namespace, serviceaccount: { name, uid: sa.metadata.uid ?? '' }, ...(opts.pod ? { pod: opts.pod } : {}) },
    };
    return { token: this.sign(claims), expirationTimestamp: new Date(exp * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z') };
  }

  /** POST …/serviceaccounts/<name>/token: validates the TokenRequest as the API server does and answers it
   * (201) with status.token and status.expirationTimestamp. */
  tokenRequest(namespace: string, name: string, raw: unknown): { code: number; body: Record<string, unknown> } {
    const req = (raw && typeof raw === 'object' ? raw : {}) as { kind?: string; apiVersion?: string; metadata?: { name?: string }; spec?: { audiences?: unknown; expirationSeconds?: unknown; boundObjectRef?: { kind?: string; apiVersion?: string; name?: string; uid?: string } | null } };
    if (req.kind !== undefined && req.kind !== 'TokenRequest') throw badRequest(`the body of the request was in an unknown format - expected TokenRequest, got ${req.kind}`);
    if (req.metadata?.name && req.metadata.name !== name) throw badRequest(`TokenRequest name must match the service account name ${name}`);
    const spec = req.spec ?? {};
    const audiences = Array.isArray(spec.audiences) && spec.audiences.length ? (spec.audiences as string[]) : [...this.audiences];
    const expirationSeconds = spec.expirationSeconds === undefined || spec.expirationSeconds === null || spec.expirationSeconds === 0 ? DEFAULT_EXPIRATION_SECONDS : Number(spec.expirationSeconds);
    const errs: FieldError[] = [];
    if (!Number.isInteger(expirationSeconds)) errs.push({ type: 'FieldValueInvalid', field: 'spec.expirationSeconds', value: spec.expirationSeconds, hasValue: true, detail: 'must be an integer' });
    else if (expirationSeconds < MIN_EXPIRATION_SECONDS) errs.push({ type: 'FieldValueInvalid', field: 'spec.expirationSeconds', value: expirationSeconds, hasValue: true, detail: 'may not specify a duration less than 10 minutes' });
    else if (expirationSeconds > MAX_EXPIRATION_SECONDS) errs.push({ type: 'FieldValueInvalid', field: 'spec.expirationSeconds', value: expirationSeconds, hasValue: true, detail: 'may not specify a duration larger than 2^32 seconds' });
    const ref = spec.boundObjectRef ?? undefined;
    if (ref && !['Pod', 'Secret', 'Node'].includes(String(ref.kind))) errs.push({ type: 'FieldValueNotSupported', field: 'spec.boundObjectRef.kind', value: ref.kind, hasValue: true, detail: 'supported values: "Pod", "Secret", "Node"' });
    if (errs.length) throw invalidError({ group: 'authentication.k8s.io', kind: 'TokenRequest' }, name, errs);
    const sa = this.lookup.serviceAccount(namespace, name);
    if (!sa) throw notFound({ group: '', resource: 'serviceaccounts' }, name);
    let pod: { name: string; uid: string } | undefined;
    if (ref && ref.kind === 'Pod') {
      const p = this.lookup.pod(namespace, String(ref.name ?? ''));
      if (!p) throw notFound({ group: '', resource: 'pods' }, String(ref.name ?? ''));
      const podSa = ((p.spec as { serviceAccountName?: string } | undefined)?.serviceAccountName) || 'default';
      if (podSa !== name) throw badRequest(`cannot bind token for serviceaccount "${name}" to pod running with different serviceaccount name.`);
      if (ref.uid && ref.uid !== p.metadata.uid) {
        throw conflict({ group: '', resource: 'Pod' }, String(ref.name), `the UID in the bound object reference (${ref.uid}) does not match the UID in record. The object might have been deleted and then recreated`);
      }
      pod = { name: p.metadata.name!, uid: p.metadata.uid ?? '' };
    } else if (ref) {
      // Secret- and Node-bound tokens are not needed here; refuse rather than issue an unbound token silently.
      throw new ApiError({ message: `tokens bound to a ${ref.kind} are not supported by this emulator`, reason: 'BadRequest', code: 400 });
    }
    const issued = this.issue(namespace, name, { audiences, expirationSeconds, ...(pod ? { pod } : {}) });
    return {
      code: 201,
      body: {
        kind: 'TokenRequest',
        apiVersion: 'authentication.k8s.io/v1',
        metadata: { name, namespace, creationTimestamp: null },
        spec: { audiences, expirationSeconds, boundObjectRef: ref ? { kind: ref.kind, apiVersion: ref.apiVersion ?? 'v1', name: ref.name, ...(pod ? { uid: pod.uid } : {}) } : null },
        status: issued,
      },
    };
  }
}

// TLS material for https Mesos masters, checked when it is loaded: Node accepts a CA bundle without a single
// certificate in it without a word, and the mistake would only show as "unable to get local issuer certificate" on
// every call. One check serves the scheduler (PEM files from its flags) and the operator (PEM from Secrets).
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { SchedulerHAError, errorMessage } from '../util/errors.js';
import type { TlsOptions } from './http.js';

export interface TlsPem {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
}

/** `source` names where each part came from (a flag and file, a Secret and key), for the error message. */
export function mesosTlsOptions(pem: TlsPem, source: { ca: string; cert: string }): TlsOptions {
  const out: TlsOptions = {};
  if (pem.ca !== undefined) {
    try {
      new X509Certificate(pem.ca);
    } catch (err) {
      throw new SchedulerHAError('MesosTlsInvalid', `${source.ca} holds no PEM certificate (${errorMessage(err)}); it must be the CA bundle that signed the masters' certificates`);
    }
    out.ca = pem.ca;
  }
  if ((pem.cert === undefined) !== (pem.key === undefined)) throw new SchedulerHAError('MesosTlsInvalid', `${source.cert}: a client certificate needs both the certificate and its key`);
  if (pem.cert !== undefined && pem.key !== undefined) {
    try {
      createSecureContext({ cert: pem.cert, key: pem.key });
    } catch (err) {
      throw new SchedulerHAError('MesosTlsInvalid', `${source.cert}: the client certificate and key cannot be used (${errorMessage(err)})`);
    }
    out.cert = pem.cert;
    out.key = pem.key;
  }
  return out;
}

// Kubernetes resource quantities (k8s.io/apimachinery/pkg/api/resource): "100m", "0.5", "1", "128Mi", "1G",
// "1e3", "12E-1". Pure. The API server has already validated the strings it stores, so a malformed quantity here
// means a pod that bypassed validation; it is reported, never guessed.
//
//   <quantity>        ::= <signedNumber><suffix>
//   <suffix>          ::= <binarySI> | <decimalExponent> | <decimalSI>
//   <binarySI>        ::= Ki | Mi | Gi | Ti | Pi | Ei
//   <decimalSI>       ::= n | u | m | "" | k | M | G | T | P | E
//   <decimalExponent> ::= "e" <signedNumber> | "E" <signedNumber>

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

const RE = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(Ki|Mi|Gi|Ti|Pi|Ei|[eE][+-]?\d+|n|u|m|k|M|G|T|P|E|)$/;

/** The quantity's value in base units (cores for cpu, bytes for memory); undefined when malformed. */
export function parseQuantity(q: string | number | undefined | null): number | undefined {
  if (q === undefined || q === null) return undefined;
  if (typeof q === 'number') return Number.isFinite(q) ? q : undefined;
  const m = RE.exec(q.trim());
  if (!m) return undefined;
  const n = Number(m[1]);
  const suffix = m[2]!;
  let v: number;
  if (suffix in BINARY) v = n * BINARY[suffix]!;
  else if (suffix in DECIMAL) v = n * DECIMAL[suffix]!;
  else v = n * 10 ** Number(suffix.slice(1));
  return Number.isFinite(v) ? v : undefined;
}

/** Mesos keeps three decimal digits for scalars; a request is rounded *up* so the task never gets less. */
export function ceilMilli(x: number): number {
  // The epsilon absorbs binary noise (0.1 + 0.2) without rounding a genuine 0.0001 up to 0.001... twice.
  return Math.ceil(x * 1000 - 1e-6) / 1000;
}

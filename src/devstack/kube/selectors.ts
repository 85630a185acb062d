// Label selectors (equality- and set-based, k8s.io/apimachinery/pkg/labels) and field selectors
// (k8s.io/apimachinery/pkg/fields: `a=b`, `a==b`, `a!=b`, comma = AND).
import { badRequest } from './status.js';

export type LabelOp = 'in' | 'notin' | 'exists' | '!' | '=' | '==' | '!=';
export interface LabelRequirement {
  key: string;
  op: LabelOp;
  values: string[];
}
export type LabelSelector = LabelRequirement[];

const keyRe = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const valueRe = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;

function checkKey(k: string): void {
  if (!keyRe.test(k) || k.split('/').pop()!.length > 63) {
    throw badRequest(`unable to parse requirement: values[0][${k}]: Invalid value: "${k}": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`);
  }
}
function checkValue(k: string, v: string): void {
  if (v.length > 63 || !valueRe.test(v)) {
    throw badRequest(`unable to parse requirement: values[0][${k}]: Invalid value: "${v}": a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')`);
  }
}

/** Splits on commas that are not inside parentheses. */
function splitTop(s: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let cur = '';
  for (const ch of s) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}

export function parseLabelSelector(input: string | undefined): LabelSelector {
  if (input === undefined) return [];
  const s = input.trim();
  if (s === '') return [];
  const reqs: LabelRequirement[] = [];
  for (const raw of splitTop(s)) {
    const part = raw.trim();
    if (part === '') throw badRequest(`unable to parse requirement: found '', expected: identifier`);
    let m: RegExpMatchArray | null;
    if ((m = part.match(/^!\s*([^\s!=(),]+)$/))) {
      checkKey(m[1]!);
      reqs.push({ key: m[1]!, op: '!', values: [] });
    } else if ((m = part.match(/^([^\s!=(),]+)\s+(in|notin)\s*\(([^()]*)\)$/))) {
      checkKey(m[1]!);
      const values = m[3]!.split(',').map((v) => v.trim());
      if (values.length === 1 && values[0] === '' && m[2] === 'in') throw badRequest(`unable to parse requirement: for 'in', 'notin' operators, values set can't be empty`);
      for (const v of values) checkValue(m[1]!, v);
      reqs.push({ key: m[1]!, op: m[2] as LabelOp, values });
    } else if ((m = part.match(/^([^\s!=(),]+)\s*(==|=|!=)\s*([^\s!=(),]*)$/))) {
      checkKey(m[1]!);
      checkValue(m[1]!, m[3]!);
      reqs.push({ key: m[1]!, op: m[2] as LabelOp, values: [m[3]!] });
    } else if ((m = part.match(/^([^\s!=(),]+)$/))) {
      checkKey(m[1]!);
      reqs.push({ key: m[1]!, op: 'exists', values: [] });
    } else {
      throw badRequest(`unable to parse requirement: found '${part}', expected: in, notin, =, ==, !=, gt, lt`);
    }
  }
  return reqs;
}

export function matchLabels(sel: LabelSelector, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  for (const r of sel) {
    const has = Object.hasOwn(l, r.key);
    const v = l[r.key];
    switch (r.op) {
      case 'exists':
        if (!has) return false;
        break;
      case '!':
        if (has) return false;
        break;
      case '=':
      case '==':
      case 'in':
        if (!has || !r.values.includes(v!)) return false;
        break;
      case '!=':
      case 'notin':
        if (has && r.values.includes(v!)) return false;
        break;
    }
  }
  return true;
}

/** metav1.LabelSelector (matchLabels + matchExpressions) as used in StatefulSet / PDB specs. */
export function labelSelectorFromObject(sel: { matchLabels?: Record<string, string>; matchExpressions?: { key: string; operator: string; values?: string[] }[] } | undefined): LabelSelector | undefined {
  if (!sel) return undefined;
  const reqs: LabelRequirement[] = [];
  for (const [k, v] of Object.entries(sel.matchLabels ?? {})) reqs.push({ key: k, op: '=', values: [v] });
  for (const e of sel.matchExpressions ?? []) {
    const op = ({ In: 'in', NotIn: 'notin', Exists: 'exists', DoesNotExist: '!' } as Record<string, LabelOp>)[e.operator];
    if (!op) return undefined;
    reqs.push({ key: e.key, op, values: e.values ?? [] });
  }
  return reqs;
}

/** Renders a selector in its canonical string form (what status.selector / Scale.status.selector carry). */
export function labelSelectorString(sel: LabelSelector): string {
  return [...sel]
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .map((r) => {
      switch (r.op) {
        case 'exists':
          return r.key;
        case '!':
          return `!${r.key}`;
        case 'in':
        case 'notin':
          return `${r.key} ${r.op} (${[...r.values].sort().join(',')})`;
        case '==':
          return `${r.key}=${r.values[0]}`;
        default:
          return `${r.key}${r.op}${r.values[0]}`;
      }
    })
    .join(',');
}

export interface FieldRequirement {
  field: string;
  op: '=' | '!=';
  value: string;
}

export function parseFieldSelector(input: string | undefined): FieldRequirement[] {
  if (input === undefined || input.trim() === '') return [];
  const out: FieldRequirement[] = [];
  for (const raw of input.split(',')) {
    const part = raw.trim();
    const m = part.match(/^([^=!]+?)\s*(==|=|!=)\s*(.*)$/);
    if (!m) throw badRequest(`invalid selector: '${input}'; can't understand '${part}'`);
    out.push({ field: m[1]!, op: m[2] === '!=' ? '!=' : '=', value: m[3]! });
  }
  return out;
}

export function matchFields(reqs: FieldRequirement[], fields: Record<string, string>): boolean {
  for (const r of reqs) {
    const v = fields[r.field] ?? '';
    if (r.op === '=' ? v !== r.value : v === r.value) return false;
  }
  return true;
}

// A small evaluator for the subset of Helm's Go templates the chart uses, so the tests can render the chart with
// its default values and compare it with install.yaml — no Helm binary can be installed here. The chart stays
// within this subset (and is plain Helm, so `helm template` renders it identically):
//   {{ .Values.a.b }} {{ .Release.Name }} {{ .Release.Namespace }} {{ .Chart.Name }} {{ .Chart.AppVersion }} {{ . }} {{ $ }}
//   {{- … -}} whitespace trimming, comments {{/* … */}}
//   {{ if P }} {{ else if P }} {{ else }} {{ end }}, {{ with X }} … {{ else }} … {{ end }}, {{ range X }} / {{ range $i, $v := X }}
//   {{ define "n" }} … {{ end }}, {{ include "n" . }}, {{ template "n" . }}
//   pipelines with: quote squote default toYaml nindent indent trunc trimSuffix lower upper toString int b64enc
//   predicates: eq ne gt lt ge le not and or empty, and parenthesised sub-expressions.
// Unknown syntax is an error (never silently rendered), and so is a reference to a value that does not exist
// under .Values, so every .Values reference in the chart is checked against values.yaml.
import { stringify } from 'yaml';

export class TemplateError extends Error {}

type Node =
  | { k: 'text'; v: string }
  | { k: 'action'; expr: string }
  | { k: 'if'; branches: Array<{ cond: string | undefined; body: Node[] }> }
  | { k: 'with'; expr: string; body: Node[]; else: Node[] }
  | { k: 'range'; expr: string; keyVar?: string; valVar?: string; body: Node[]; else: Node[] }
  | { k: 'define'; name: string; body: Node[] };

interface Token {
  text?: string;
  action?: string;
}

function tokenize(src: string, file: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const open = src.indexOf('{{', i);
    if (open < 0) {
      out.push({ text: src.slice(i) });
      break;
    }
    let text = src.slice(i, open);
    const close = src.indexOf('}}', open);
    if (close < 0) throw new TemplateError(`${file}: unterminated {{`);
    let inner = src.slice(open + 2, close);
    let end = close + 2;
    if (inner.startsWith('-')) {
      text = text.replace(/\s+$/, '');
      inner = inner.slice(1);
    }
    if (inner.endsWith('-')) {
      inner = inner.slice(0, -1);
      const m = /^\s*/.exec(src.slice(end))!;
      end += m[0].length;
    }
    if (text) out.push({ text });
    const a = inner.trim();
    if (!a.startsWith('/*')) out.push({ action: a });
    else if (!a.endsWith('*/')) throw new TemplateError(`${file}: malformed comment`);
    i = end;
  }
  return out;
}

function parse(tokens: Token[], file: string): Node[] {
  let pos = 0;
  const block = (terminators: string[]): { nodes: Node[]; term: string } => {
    const nodes: Node[] = [];
    while (pos < tokens.length) {
      const t = tokens[pos++]!;
      if (t.text !== undefined) {
        nodes.push({ k: 'text', v: t.text });
        continue;
      }
      const a = t.action!;
      const word = a.split(/\s+/)[0]!;
      if (terminators.includes(word) || (word === 'else' && terminators.includes('else'))) return { nodes, term: a };
      if (word === 'if') {
        const branches: Array<{ cond: string | undefined; body: Node[] }> = [];
        let cond: string | undefined = a.slice(2).trim();
        for (;;) {
          const b = block(['end', 'else']);
          branches.push({ cond, body: b.nodes });
          if (b.term === 'end') break;
          const rest = b.term.slice(4).trim();
          if (rest.startsWith('if ')) cond = rest.slice(3).trim();
          else if (rest === '') cond = undefined;
          else throw new TemplateError(`${file}: unsupported "${b.term}"`);
        }
        nodes.push({ k: 'if', branches });
      } else if (word === 'with' || word === 'range') {
        let expr = a.slice(word.length).trim();
        let keyVar: string | undefined;
        let valVar: string | undefined;
        const m = /^(\$\w+)\s*(?:,\s*(\$\w+))?\s*:=\s*(.+)$/.exec(expr);
        if (m) {
          if (word === 'with') throw new TemplateError(`${file}: variables in with are not supported`);
          if (m[2]) [keyVar, valVar] = [m[1], m[2]];
          else valVar = m[1];
          expr = m[3]!;
        }
        const b = block(['end', 'else']);
        let els: Node[] = [];
        if (b.term !== 'end') {
          if (b.term !== 'else') throw new TemplateError(`${file}: unsupported "${b.term}" in ${word}`);
          els = block(['end']).nodes;
        }
        nodes.push(word === 'with' ? { k: 'with', expr, body: b.nodes, else: els } : { k: 'range', expr, ...(keyVar ? { keyVar } : {}), ...(valVar ? { valVar } : {}), body: b.nodes, else: els });
      } else if (word === 'define') {
        const m = /^define\s+"([^"]+)"$/.exec(a);
        if (!m) throw new TemplateError(`${file}: malformed define`);
        nodes.push({ k: 'define', name: m[1]!, body: block(['end']).nodes });
      } else if (word === 'end' || word === 'else') {
        throw new TemplateError(`${file}: unexpected {{ ${a} }}`);
      } else nodes.push({ k: 'action', expr: a });
    }
    if (terminators.length) throw new TemplateError(`${file}: missing {{ end }}`);
    return { nodes, term: '' };
  };
  return block([]).nodes;
}

export interface RenderContext {
  Values: Record<string, unknown>;
  Release: { Name: string; Namespace: string; Service?: string };
  Chart: { Name: string; Version: string; AppVersion: string };
}

interface Scope {
  dot: unknown;
  root: RenderContext;
  vars: Map<string, unknown>;
}

const MISSING = Symbol('missing');

function truthy(v: unknown): boolean {
  if (v === undefined || v === null || v === false || v === 0 || v === '' || v === MISSING) return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object') return Object.keys(v as object).length > 0;
  return true;
}

function splitArgs(expr: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < expr.length) {
    const c = expr[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      while (j < expr.length && expr[j] !== '"') j += expr[j] === '\\' ? 2 : 1;
      out.push(expr.slice(i, j + 1));
      i = j + 1;
    } else if (c === '(') {
      let depth = 0;
      let j = i;
      for (; j < expr.length; j++) {
        if (expr[j] === '(') depth++;
        else if (expr[j] === ')' && --depth === 0) break;
      }
      out.push(expr.slice(i, j + 1));
      i = j + 1;
    } else {
      let j = i;
      while (j < expr.length && !/\s/.test(expr[j]!)) j++;
      out.push(expr.slice(i, j));
      i = j;
    }
  }
  return out;
}

function splitPipeline(expr: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let inStr = false;
  let cur = '';
  for (let i = 0; i < expr.length; i++) {
    const c = expr[i]!;
    if (c === '"' && expr[i - 1] !== '\\') inStr = !inStr;
    if (!inStr && c === '(') depth++;
    if (!inStr && c === ')') depth--;
    if (!inStr && depth === 0 && c === '|') {
      parts.push(cur.trim());
      cur = '';
    } else cur += c;
  }
  parts.push(cur.trim());
  return parts;
}

export class ChartRenderer {
  private readonly defines = new Map<string, Node[]>();
  /** Every .Values path the templates read, for the values.yaml check. */
  readonly valuesRead = new Set<string>();

  constructor(private readonly templates: Record<string, string>) {
    for (const [file, src] of Object.entries(templates)) {
      for (const n of parse(tokenize(src, file), file)) if (n.k === 'define') this.defines.set(n.name, n.body);
    }
  }

  /** Renders every non-partial template (files not starting with "_"). */
  renderAll(ctx: RenderContext): Record<string, string> {
    const out: Record<string, string> = {};
    for (const [file, src] of Object.entries(this.templates)) {
      if (file.split('/').pop()!.startsWith('_')) continue;
      const nodes = parse(tokenize(src, file), file).filter((n) => n.k !== 'define');
      out[file] = this.exec(nodes, { dot: ctx, root: ctx, vars: new Map([['$', ctx]]) }, file);
    }
    return out;
  }

  private exec(nodes: Node[], s: Scope, file: string): string {
    let out = '';
    for (const n of nodes) {
      switch (n.k) {
        case 'text':
          out += n.v;
          break;
        case 'action': {
          const v = this.evalPipeline(n.expr, s, file);
          out += v === MISSING || v === undefined || v === null ? '' : typeof v === 'object' ? stringify(v).trimEnd() : String(v);
          break;
        }
        case 'if': {
          for (const b of n.branches) {
            if (b.cond === undefined || truthy(this.evalPipeline(b.cond, s, file))) {
              out += this.exec(b.body, s, file);
              break;
            }
          }
          break;
        }
        case 'with': {
          const v = this.evalPipeline(n.expr, s, file);
          out += truthy(v) ? this.exec(n.body, { ...s, dot: v }, file) : this.exec(n.else, s, file);
          break;
        }
        case 'range': {
          const v = this.evalPipeline(n.expr, s, file);
          const entries: Array<[unknown, unknown]> = Array.isArray(v) ? v.map((x, i) => [i, x]) : v && typeof v === 'object' ? Object.keys(v).sort().map((k) => [k, (v as Record<string, unknown>)[k]]) : [];
          if (!entries.length) out += this.exec(n.else, s, file);
          for (const [k, x] of entries) {
            const vars = new Map(s.vars);
            if (n.keyVar) vars.set(n.keyVar, k);
            if (n.valVar) vars.set(n.valVar, x);
            out += this.exec(n.body, { ...s, dot: x, vars }, file);
          }
          break;
        }
        case 'define':
          break;
      }
    }
    return out;
  }

  private evalPipeline(expr: string, s: Scope, file: string): unknown {
    const stages = splitPipeline(expr);
    let v = this.evalCommand(stages[0]!, s, file, undefined);
    for (const st of stages.slice(1)) v = this.evalCommand(st, s, file, { value: v });
    return v;
  }

  private evalArg(a: string, s: Scope, file: string): unknown {
    if (a.startsWith('(') && a.endsWith(')')) return this.evalPipeline(a.slice(1, -1), s, file);
    if (a.startsWith('"')) return JSON.parse(a);
    if (/^-?\d+$/.test(a)) return Number(a);
    if (a === 'true' || a === 'false') return a === 'true';
    if (a === 'nil') return null;
    if (a === '.') return s.dot;
    if (a.startsWith('$')) {
      const [name, ...path] = a.split('.');
      if (!s.vars.has(name!)) throw new TemplateError(`${file}: undefined variable ${name}`);
      return this.walk(s.vars.get(name!), path, a, file);
    }
    if (a.startsWith('.')) return this.walk(s.dot, a.slice(1).split('.'), a, file, s);
    throw new TemplateError(`${file}: unsupported argument "${a}"`);
  }

  private walk(base: unknown, path: string[], text: string, file: string, s?: Scope): unknown {
    let v = base;
    const fromRoot = s && base === s.root;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      if (v === null || typeof v !== 'object' || !(seg in (v as object))) {
        if (fromRoot && path[0] === 'Values') throw new TemplateError(`${file}: ${text} is not defined in values.yaml`);
        return MISSING;
      }
      v = (v as Record<string, unknown>)[seg];
    }
    if (fromRoot && path[0] === 'Values') this.valuesRead.add(path.slice(1).join('.'));
    return v;
  }

  private evalCommand(cmd: string, s: Scope, file: string, piped: { value: unknown } | undefined): unknown {
    const args = splitArgs(cmd);
    const fn = args[0]!;
    const rest = () => args.slice(1).map((a) => this.evalArg(a, s, file));
    const withPiped = () => (piped ? [...rest(), piped.value] : rest());
    const str = (v: unknown) => (v === MISSING || v === undefined || v === null ? '' : typeof v === 'object' ? stringify(v).trimEnd() : String(v));
    const indent = (n: number, t: string) => t.split('\n').map((l) => (l ? ' '.repeat(n) + l : l)).join('\n');
    switch (fn) {
      case 'fail':
        // Helm's `fail`: the render stops with the message (helm install/template print it).
        throw new Error(`execution error at (${file}): ${str(withPiped()[0])}`);
      case 'quote':
        return JSON.stringify(str(withPiped()[0]));
      case 'squote':
        return `'${str(withPiped()[0])}'`;
      case 'default': {
        const [d, v] = withPiped();
        return truthy(v) ? v : d;
      }
      case 'toYaml': {
        const v = withPiped()[0];
        return v === MISSING || v === undefined ? '' : stringify(v, { lineWidth: 0 }).trimEnd();
      }
      case 'nindent': {
        const [n, t] = withPiped();
        return '\n' + indent(Number(n), str(t));
      }
      case 'indent': {
        const [n, t] = withPiped();
        return indent(Number(n), str(t));
      }
      case 'trunc': {
        const [n, t] = withPiped();
        return str(t).slice(0, Number(n));
      }
      case 'trimSuffix': {
        const [suf, t] = withPiped();
        const x = str(t);
        return x.endsWith(String(suf)) ? x.slice(0, -String(suf).length) : x;
      }
      case 'lower':
        return str(withPiped()[0]).toLowerCase();
      case 'upper':
        return str(withPiped()[0]).toUpperCase();
      case 'toString':
        return str(withPiped()[0]);
      case 'int':
        return Math.trunc(Number(withPiped()[0]));
      case 'b64enc':
        return Buffer.from(str(withPiped()[0])).toString('base64');
      case 'not':
        return !truthy(withPiped()[0]);
      case 'empty':
        return !truthy(withPiped()[0]);
      case 'and':
        return withPiped().every(truthy);
      case 'or': {
        const vs = withPiped();
        return vs.find(truthy) ?? vs.at(-1);
      }
      case 'eq':
      case 'ne':
      case 'gt':
      case 'lt':
      case 'ge':
      case 'le': {
        const [a, b] = withPiped();
        const r = { eq: a === b, ne: a !== b, gt: (a as number) > (b as number), lt: (a as number) < (b as number), ge: (a as number) >= (b as number), le: (a as number) <= (b as number) }[fn];
        return r;
      }
      case 'include':
      case 'template': {
        const [name, dot] = withPiped();
        const body = this.defines.get(String(name));
        if (!body) throw new TemplateError(`${file}: ${fn} of undefined template "${String(name)}"`);
        return this.exec(body, { ...s, dot, vars: new Map([['$', s.root]]) }, file);
      }
      default:
        if (args.length === 1 && !piped) return this.evalArg(fn, s, file);
        throw new TemplateError(`${file}: unsupported function "${fn}" in {{ ${cmd} }}`);
    }
  }
}

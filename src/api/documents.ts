// Reading the documents users hand us: YAML (several documents) or JSON, Lists flattened. Pure: takes text.
import { parseAllDocuments } from 'yaml';

export interface SourceDocument {
  /** "<file>#<index>" for messages. */
  origin: string;
  value: unknown;
}

export interface DocumentError {
  origin: string;
  message: string;
}

export function parseDocuments(text: string, file: string): { docs: SourceDocument[]; errors: DocumentError[] } {
  const docs: SourceDocument[] = [];
  const errors: DocumentError[] = [];
  const parsed = parseAllDocuments(text, { prettyErrors: true, uniqueKeys: true });
  const list = Array.isArray(parsed) ? parsed : [parsed];
  list.forEach((d, i) => {
    const origin = `${file}#${i + 1}`;
    if (d.errors.length) {
      for (const e of d.errors) errors.push({ origin, message: `not valid YAML/JSON: ${e.message.split('\n')[0]}` });
      return;
    }
    const v = d.toJS({ maxAliasCount: 100 });
    if (v === null || v === undefined) return; // empty document (e.g. a trailing ---)
    const items = v && typeof v === 'object' && !Array.isArray(v) && typeof (v as { kind?: unknown }).kind === 'string' && String((v as { kind: string }).kind).endsWith('List') && Array.isArray((v as { items?: unknown }).items) ? ((v as { items: unknown[] }).items) : [v];
    items.forEach((item, j) => docs.push({ origin: items.length > 1 || item !== v ? `${origin}.items[${j}]` : origin, value: item }));
  });
  return { docs, errors };
}

export function describeObject(v: unknown): string {
  if (!v || typeof v !== 'object') return 'document';
  const o = v as { kind?: unknown; metadata?: { name?: unknown; namespace?: unknown } };
  const kind = typeof o.kind === 'string' ? o.kind : 'object';
  const name = typeof o.metadata?.name === 'string' ? o.metadata.name : '<no name>';
  const ns = typeof o.metadata?.namespace === 'string' ? `${o.metadata.namespace}/` : '';
  return `${kind} ${ns}${name}`;
}

/**
 * Text similarity for the local analysis: tokens with a light stemmer, TF-IDF weights with a BM25-style
 * idf (a word in every document weighs almost nothing, e.g. the process name in every title), and
 * cosine similarity. Pure functions, no network, no database.
 */
import { safeCut } from '../../text.js';

const STOPWORDS = new Set(`
a about above after again against all am an and any are as at be because been before being below between both but by
can cannot could did do does doing down during each few for from further had has have having he her here hers him his
how i if in into is it its itself just me more most my no nor not now of off on once only or other our ours out over own
same she should so some such than that the their them then there these they this those through to too under until up
very was we were what when where which while who whom why will with would you your yours also via per than within
its been still again new one two get got us
`.split(/\s+/).filter(Boolean));

/** A light English stemmer: enough to match "failures/failed/failing" and "delays/delayed". */
export function stem(word: string): string {
  let w = word;
  if (w.length <= 3 || /^\d/.test(w)) return w;
  if (w.endsWith('ies') && w.length > 4) w = w.slice(0, -3) + 'y';
  else if (w.endsWith('sses')) w = w.slice(0, -2);
  else if (w.endsWith('es') && /(ch|sh|x|ss|zz)es$/.test(w)) w = w.slice(0, -2);
  else if (w.endsWith('s') && !/(ss|us|is|os)$/.test(w) && w.length > 3) w = w.slice(0, -1);
  if (w.endsWith('ing') && w.length > 5) w = w.slice(0, -3);
  else if (w.endsWith('ed') && w.length > 4) w = w.slice(0, -2);
  if (w.endsWith('e') && w.length > 4) w = w.slice(0, -1);
  if (w.endsWith('y') && w.length > 4) w = w.slice(0, -1) + 'i';
  // "stopp", "dropp", "renew" → collapse a doubled final consonant left by -ed / -ing.
  if (/([b-df-hj-np-tv-z])\1$/.test(w) && !/(ll|ss|zz)$/.test(w)) w = w.slice(0, -1);
  return w;
}

/** Lower-case word tokens (letters and digits), stop words dropped, stemmed. */
export function tokenize(text: string | null | undefined): string[] {
  if (!text) return [];
  const out: string[] = [];
  for (const raw of text.toLowerCase().normalize('NFKD').replace(/[\u0300-\u036f]/g, '').split(/[^a-z0-9]+/)) {
    if (raw.length < 2 && !/^\d$/.test(raw)) continue;
    if (STOPWORDS.has(raw)) continue;
    if (raw.length > 40) continue;
    out.push(stem(raw));
  }
  return out;
}

/** The text fields of an incident that describe it, the title counting twice. */
export interface TextDoc {
  title: string;
  description?: string | null;
  rca?: string | null;
}

export function docTokens(d: TextDoc): string[] {
  const title = tokenize(d.title);
  return [...title, ...title, ...tokenize(d.description), ...tokenize(d.rca)];
}

type Vector = Map<string, number>;

function termFrequencies(tokens: string[]): Map<string, number> {
  const tf = new Map<string, number>();
  for (const t of tokens) tf.set(t, (tf.get(t) ?? 0) + 1);
  return tf;
}

function weigh(tf: Map<string, number>, idf: (t: string) => number): Vector {
  const v: Vector = new Map();
  let norm = 0;
  for (const [t, n] of tf) {
    const w = (1 + Math.log(n)) * idf(t);
    v.set(t, w);
    norm += w * w;
  }
  norm = Math.sqrt(norm);
  if (norm > 0) for (const [t, w] of v) v.set(t, w / norm);
  return v;
}

function cosine(a: Vector, b: Vector): number {
  const [small, large] = a.size < b.size ? [a, b] : [b, a];
  let dot = 0;
  for (const [t, w] of small) {
    const o = large.get(t);
    if (o !== undefined) dot += w * o;
  }
  return dot;
}

export interface Ranked<T> {
  item: T;
  score: number;
}

/**
 * Ranks candidates by cosine similarity of TF-IDF vectors to the query, best first, keeping those at or
 * above `min`. The idf is computed over the candidates and the query together.
 */
export function rankBySimilarity<T>(query: TextDoc, candidates: T[], textOf: (c: T) => TextDoc, opts: { min?: number; limit?: number } = {}): Ranked<T>[] {
  const queryTf = termFrequencies(docTokens(query));
  const candTf = candidates.map((c) => termFrequencies(docTokens(textOf(c))));
  const df = new Map<string, number>();
  for (const tf of [queryTf, ...candTf]) for (const t of tf.keys()) df.set(t, (df.get(t) ?? 0) + 1);
  const n = candTf.length + 1;
  const idf = (t: string) => {
    const d = df.get(t) ?? 0;
    return Math.log(1 + (n - d + 0.5) / (d + 0.5));
  };
  const q = weigh(queryTf, idf);
  const ranked: Ranked<T>[] = [];
  candTf.forEach((tf, i) => {
    const score = cosine(q, weigh(tf, idf));
    if (score >= (opts.min ?? 0.0001)) ranked.push({ item: candidates[i], score });
  });
  ranked.sort((a, b) => b.score - a.score);
  return opts.limit ? ranked.slice(0, opts.limit) : ranked;
}

/** Sentences of a paragraph (RCAs are short prose). */
export function sentences(text: string | null | undefined): string[] {
  if (!text) return [];
  return text
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?])\s+(?=[A-Z0-9"“(])/)
    .map((s) => s.trim())
    .filter((s) => s.length > 2);
}

/** Cuts text to `max` characters at a word boundary, with an ellipsis. */
export function clip(text: string, max: number): string {
  const t = text.replace(/\s+/g, ' ').trim();
  if (t.length <= max) return t;
  const cut = t.slice(0, safeCut(t, max - 1));
  const space = cut.lastIndexOf(' ');
  return `${(space > max * 0.6 ? cut.slice(0, space) : cut).replace(/[\s,;:.]+$/, '')}…`;
}

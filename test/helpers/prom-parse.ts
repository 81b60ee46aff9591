/**
 * A strict parser of the Prometheus text exposition format (0.0.4), as node-exporter's textfile collector
 * reads it: HELP/TYPE before a family's samples, valid metric and label names, only \\ \" \n escapes in label
 * values, no duplicate series or labels, numeric values, one sample per line, a final newline.
 */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

export interface Exposition {
  types: Record<string, string>;
  help: Record<string, string>;
  samples: Sample[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;

function parseLabels(text: string, lineNo: number): Record<string, string> {
  const out: Record<string, string> = {};
  let i = 0;
  const fail = (why: string): never => {
    throw new Error(`line ${lineNo}: ${why} in {${text}}`);
  };
  while (i < text.length) {
    const eq = text.indexOf('=', i);
    if (eq < 0) fail('label without =');
    const name = text.slice(i, eq);
    if (!LABEL.test(name) || name.startsWith('__')) fail(`bad label name '${name}'`);
    if (name in out) fail(`duplicate label ${name}`);
    if (text[eq + 1] !== '"') fail('label value not quoted');
    let j = eq + 2;
    let v = '';
    for (;;) {
      if (j >= text.length) fail('unterminated label value');
      const c = text[j];
      if (c === '"') break;
      if (c === '\n') fail('raw newline in a label value');
      if (c === '\\') {
        const n = text[j + 1];
        if (n === '\\') v += '\\';
        else if (n === '"') v += '"';
        else if (n === 'n') v += '\n';
        else fail(`bad escape \\${n}`);
        j += 2;
        continue;
      }
      v += c;
      j++;
    }
    out[name] = v;
    i = j + 1;
    if (i < text.length) {
      if (text[i] !== ',') fail('labels not separated by ,');
      i++;
    }
  }
  return out;
}

export function parseExposition(text: string): Exposition {
  if (!text.endsWith('\n')) throw new Error('no final newline');
  const res: Exposition = { types: {}, help: {}, samples: [] };
  const seen = new Set<string>();
  const lines = text.slice(0, -1).split('\n');
  lines.forEach((line, idx) => {
    const n = idx + 1;
    if (line === '') throw new Error(`line ${n}: blank line`);
    if (line.startsWith('#')) {
      const m = /^# (HELP|TYPE) (\S+) (.*)$/.exec(line);
      if (!m) throw new Error(`line ${n}: bad comment`);
      if (!NAME.test(m[2])) throw new Error(`line ${n}: bad metric name ${m[2]}`);
      if (m[1] === 'TYPE') {
        if (!['counter', 'gauge', 'histogram', 'summary', 'untyped'].includes(m[3]))
          throw new Error(`line ${n}: bad type ${m[3]}`);
        if (m[2] in res.types) throw new Error(`line ${n}: second TYPE for ${m[2]}`);
        if (res.samples.some((s) => s.name === m[2])) throw new Error(`line ${n}: TYPE after samples of ${m[2]}`);
        res.types[m[2]] = m[3];
      } else res.help[m[2]] = m[3];
      return;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m) throw new Error(`line ${n}: bad sample: ${line}`);
    if (!(m[1] in res.types)) throw new Error(`line ${n}: sample of ${m[1]} without a TYPE before it`);
    const labels = m[2] === undefined ? {} : parseLabels(m[2], n);
    if (!/^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$|^[+-]?Inf$|^NaN$/.test(m[3]))
      throw new Error(`line ${n}: bad value ${m[3]}`);
    const key = m[1] + JSON.stringify(Object.entries(labels).sort());
    if (seen.has(key)) throw new Error(`line ${n}: duplicate series ${key}`);
    seen.add(key);
    if (res.types[m[1]] === 'counter' && !m[1].endsWith('_total'))
      throw new Error(`line ${n}: counter ${m[1]} not named *_total`);
    res.samples.push({ name: m[1], labels, value: Number(m[3]) });
  });
  return res;
}

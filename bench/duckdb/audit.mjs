// The DuckDB peer of bench/audit.sh: loads the generated GQ-002/GQ-003 CSV into a table (timed
// on its own), then counts failures per rule for every rule of both forms in ONE query of
// SUM(CASE WHEN … THEN 1 ELSE 0 END) columns, best of --runs, with --threads threads.
//
// The SQL is translated here from the rule expressions (the catalog's rules plus the built-in
// required/range/code checks the engine derives from the indicator definitions, as
// src/rules/compile.cpp does), following docs/rule-language.md's missing-value semantics:
//   + and -   a missing operand counts 0; missing only when every operand of the chain is
//             missing (a left-associative chain of + and - is flattened: same IEEE operations
//             in the same order as the engine's pairwise AddOp/SubOp)
//   * /       missing if an operand is missing; x / 0 is missing (NULLIF)
//   a op b    unknown (NULL) with a missing operand; |a - b| <= max(t, 1e-14·max(|a|,|b|), 1e-9)
//             (t = the rule's tolerance) makes == <= >= true and != < > false (CmpOp of
//             compile.hpp)
//   and/or/not  SQL's three-valued logic is Kleene logic
//   rule      fails iff `when` is true and `expr` is false (unknown passes)
//   prev(x)   the previous-year column of the same row (p_x), blank when there was no filing
//
// Usage: node audit.mjs --csv FILE --rules FILE [--runs 3] [--threads 2] [--print-sql]
// Prints one JSON object: load time, query times, per-rule counts, rules skipped.
import { readFileSync } from 'node:fs';
import { DuckDBInstance } from '@duckdb/node-api';

const args = Object.fromEntries(
  process.argv.slice(2).reduce((acc, a, i, all) => {
    if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1] && !all[i + 1].startsWith('--') ? all[i + 1] : true]);
    return acc;
  }, []),
);
if (!args.csv || !args.rules) {
  console.error('usage: node audit.mjs --csv FILE --rules FILE [--runs 3] [--threads 2] [--print-sql]');
  process.exit(2);
}
const runs = Number(args.runs ?? 3);
const threads = Number(args.threads ?? 2);
const spec = JSON.parse(readFileSync(args.rules, 'utf8'));

// ---------------------------------------------------------------- the expression language

function tokenize(src) {
  const toks = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) { i++; continue; }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1]))) {
      const m = /^(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?/.exec(src.slice(i));
      toks.push({ t: 'num', v: m[0] });
      i += m[0].length;
      continue;
    }
    if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)?/.exec(src.slice(i));
      toks.push({ t: 'id', v: m[0] });
      i += m[0].length;
      continue;
    }
    if (c === '"') {
      let j = i + 1, s = '';
      while (j < src.length && src[j] !== '"') {
        if (src[j] === '\\') j++;
        s += src[j++];
      }
      toks.push({ t: 'str', v: s });
      i = j + 1;
      continue;
    }
    const two = src.slice(i, i + 2);
    if (['==', '!=', '<=', '>='].includes(two)) { toks.push({ t: 'op', v: two }); i += 2; continue; }
    if ('<>+-*/(),[]'.includes(c)) { toks.push({ t: 'op', v: c }); i++; continue; }
    throw new Error(`unexpected character ${c} in ${src}`);
  }
  return toks;
}

function parse(src) {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const isOp = (v) => toks[p] && toks[p].t === 'op' && toks[p].v === v;
  const isKw = (v) => toks[p] && toks[p].t === 'id' && toks[p].v === v;
  const expect = (v) => {
    if (!isOp(v)) throw new Error(`expected ${v} in ${src}`);
    p++;
  };
  function or() {
    let l = and();
    while (isKw('or')) { p++; l = { k: 'or', a: l, b: and() }; }
    return l;
  }
  function and() {
    let l = not();
    while (isKw('and')) { p++; l = { k: 'and', a: l, b: not() }; }
    return l;
  }
  function not() {
    if (isKw('not')) { p++; return { k: 'not', a: not() }; }
    return cmp();
  }
  function cmp() {
    const l = add();
    const t = peek();
    if (t && t.t === 'op' && ['==', '!=', '<', '<=', '>', '>='].includes(t.v)) {
      p++;
      return { k: 'cmp', op: t.v, a: l, b: add() };
    }
    if (isKw('in')) {
      p++;
      return { k: 'in', a: l, set: add() };
    }
    return l;
  }
  function add() {
    let l = mul();
    while (isOp('+') || isOp('-')) {
      const op = toks[p++].v;
      l = { k: op === '+' ? 'add' : 'sub', a: l, b: mul() };
    }
    return l;
  }
  function mul() {
    let l = unary();
    while (isOp('*') || isOp('/')) {
      const op = toks[p++].v;
      l = { k: op === '*' ? 'mul' : 'div', a: l, b: unary() };
    }
    return l;
  }
  function unary() {
    if (isOp('-')) { p++; return { k: 'neg', a: unary() }; }
    return primary();
  }
  function primary() {
    const t = toks[p++];
    if (!t) throw new Error(`unexpected end of ${src}`);
    if (t.t === 'num') return { k: 'num', v: t.v };
    if (t.t === 'str') return { k: 'str', v: t.v };
    if (t.t === 'op' && t.v === '(') { const e = or(); expect(')'); return e; }
    if (t.t === 'op' && t.v === '[') {
      const items = [];
      while (!isOp(']')) { items.push(primary()); if (isOp(',')) p++; }
      p++;
      return { k: 'list', items };
    }
    if (t.t === 'id') {
      if (t.v === 'true' || t.v === 'false') return { k: 'bool', v: t.v === 'true' };
      if (isOp('(')) {
        p++;
        const argsv = [];
        while (!isOp(')')) { argsv.push(or()); if (isOp(',')) p++; }
        p++;
        return { k: 'call', f: t.v, args: argsv };
      }
      return { k: 'ref', name: t.v };
    }
    throw new Error(`unexpected ${t.v} in ${src}`);
  }
  const e = or();
  if (p !== toks.length) throw new Error(`trailing input in ${src}`);
  return e;
}

// ---------------------------------------------------------------- translation to SQL

class Unsupported extends Error {}

const q = (name) => `"${name.replace(/"/g, '""')}"`;
const lit = (s) => `'${s.replace(/'/g, "''")}'`;
const formByRef = Object.fromEntries(spec.forms.map((f) => [f.ref, f]));

function column(form, ref, previous) {
  let f = form, code = ref;
  if (ref.includes('.')) {
    const [r, c] = ref.split('.');
    f = formByRef[r];
    code = c;
    if (!f) throw new Unsupported(`unknown form ${r}`);
  }
  const ind = f.indicators.find((i) => i.code === code);
  if (!ind) throw new Unsupported(`unknown indicator ${ref}`);
  const name = spec.columns[`${f.code}${previous ? '|prev|' : '|'}${code}`];
  if (!name) throw new Unsupported(`no column for ${previous ? 'prev ' : ''}${f.code}.${code}`);
  return { sql: q(name), type: ind.number ? 'num' : 'text' };
}

// Returns {sql, type} with type num | bool | text; NULL = missing / unknown.
function tr(n, ctx) {
  switch (n.k) {
    case 'num': return { sql: `CAST(${n.v} AS DOUBLE)`, type: 'num' };
    case 'str': return { sql: lit(n.v), type: 'text' };
    case 'bool': return { sql: n.v ? 'TRUE' : 'FALSE', type: 'bool' };
    case 'ref': return column(ctx.form, n.name, false);
    case 'add':
    case 'sub': {
      // Flatten the left spine: a + b - c + d → terms [+a, +b, -c, +d].
      const terms = [];
      let x = n;
      while (x.k === 'add' || x.k === 'sub') { terms.unshift([x.k === 'add' ? '+' : '-', x.b]); x = x.a; }
      terms.unshift(['+', x]);
      const ts = terms.map(([s, t]) => [s, num(tr(t, ctx))]);
      const allNull = ts.map(([, t]) => `(${t}) IS NULL`).join(' AND ');
      const sum = ts.map(([s, t], i) => `${i === 0 ? '' : ` ${s} `}COALESCE(${t}, 0)`).join('');
      return { sql: `(CASE WHEN ${allNull} THEN NULL ELSE ${sum} END)`, type: 'num' };
    }
    case 'mul': return { sql: `((${num(tr(n.a, ctx))}) * (${num(tr(n.b, ctx))}))`, type: 'num' };
    case 'div': return { sql: `((${num(tr(n.a, ctx))}) / NULLIF(${num(tr(n.b, ctx))}, 0))`, type: 'num' };
    case 'neg': return { sql: `(-(${num(tr(n.a, ctx))}))`, type: 'num' };
    case 'and': return { sql: `((${bool(tr(n.a, ctx))}) AND (${bool(tr(n.b, ctx))}))`, type: 'bool' };
    case 'or': return { sql: `((${bool(tr(n.a, ctx))}) OR (${bool(tr(n.b, ctx))}))`, type: 'bool' };
    case 'not': return { sql: `(NOT (${bool(tr(n.a, ctx))}))`, type: 'bool' };
    case 'cmp': {
      const a = tr(n.a, ctx), b = tr(n.b, ctx);
      if (a.type !== b.type) throw new Unsupported(`comparison of ${a.type} with ${b.type}`);
      const sqlOp = { '==': '=', '!=': '<>' }[n.op] ?? n.op;
      if (a.type !== 'num') return { sql: `((${a.sql}) ${sqlOp} (${b.sql}))`, type: 'bool' };
      // The engine's number comparison: equal within the rule's tolerance, or within the
      // rounding slack of double sums (1e-14 relative, 1e-9 absolute): CmpOp in compile.hpp.
      const near = `(abs((${a.sql}) - (${b.sql})) <= greatest(CAST(${ctx.tol} AS DOUBLE), 1e-14 * greatest(abs(${a.sql}), abs(${b.sql})), 1e-9))`;
      const sql = {
        '==': near,
        '!=': `(NOT ${near})`,
        '<=': `((${a.sql}) <= (${b.sql}) OR ${near})`,
        '>=': `((${a.sql}) >= (${b.sql}) OR ${near})`,
        '<': `((${a.sql}) < (${b.sql}) AND NOT ${near})`,
        '>': `((${a.sql}) > (${b.sql}) AND NOT ${near})`,
      }[n.op];
      return { sql, type: 'bool' };
    }
    case 'in': {
      const a = tr(n.a, ctx);
      if (a.type !== 'text') throw new Unsupported('in on a non-text value');
      let codes;
      if (n.set.k === 'list') codes = n.set.items.map((i) => i.v);
      else if (n.set.k === 'call' && n.set.f === 'codes' && n.set.args.length === 1) {
        codes = spec.code_lists[n.set.args[0].v];
        if (!codes) throw new Unsupported(`code list ${n.set.args[0].v}`);
      } else throw new Unsupported('in with a code level');
      return { sql: `((${a.sql}) IN (${codes.map(lit).join(', ')}))`, type: 'bool' };
    }
    case 'call': {
      const A = n.args;
      switch (n.f) {
        case 'abs': return { sql: `abs(${num(tr(A[0], ctx))})`, type: 'num' };
        case 'is_missing': return { sql: `((${tr(A[0], ctx).sql}) IS NULL)`, type: 'bool' };
        case 'prev':
          if (A.length !== 1 || A[0].k !== 'ref') throw new Unsupported('prev of a non-reference');
          return column(ctx.form, A[0].name, true);
        default:
          throw new Unsupported(`function ${n.f}`);
      }
    }
    default:
      throw new Unsupported(n.k);
  }
}
function num(x) {
  if (x.type !== 'num') throw new Unsupported(`number expected, got ${x.type}`);
  return x.sql;
}
function bool(x) {
  if (x.type !== 'bool') throw new Unsupported(`bool expected, got ${x.type}`);
  return x.sql;
}

// Every rule of a form as the engine has it: built-in checks (compile.cpp order) + catalog rules.
function rulesOf(form) {
  const out = [];
  const fmtNum = (x) => String(x);
  for (const ind of form.indicators) {
    if (ind.formula) continue;
    const p = `${form.ref}.${ind.code}`;
    if (ind.required_when) out.push({ id: `${p}.required`, expr: `not is_missing(${ind.code})`, when: ind.required_when });
    else if (ind.required) out.push({ id: `${p}.required`, expr: `not is_missing(${ind.code})` });
    if (ind.number) {
      let lo = ind.min;
      if (!ind.negative_allowed && (lo === null || lo < 0)) lo = 0;
      const parts = [];
      if (lo !== null) parts.push(`${ind.code} >= ${fmtNum(lo)}`);
      if (ind.max !== null) parts.push(`${ind.code} <= ${fmtNum(ind.max)}`);
      if (parts.length) out.push({ id: `${p}.range`, expr: parts.join(' and ') });
    }
    if (ind.max_chars > 0) out.push({ id: `${p}.length`, expr: `len(${ind.code}) <= ${ind.max_chars}` });
    if (ind.code_list) out.push({ id: `${p}.code`, expr: `${ind.code} in codes("${ind.code_list}")` });
  }
  for (const r of form.rules) {
    if (r.for_each) { out.push({ id: r.id, skip: 'for_each over a row table' }); continue; }
    out.push({ id: r.id, expr: r.expr, when: r.when, tol: r.tolerance ?? 0 });
  }
  return out;
}

const selects = [];
const skipped = [];
const translated = [];
for (const form of spec.forms) {
  for (const r of rulesOf(form)) {
    if (r.skip) { skipped.push({ id: r.id, reason: r.skip }); continue; }
    try {
      const e = bool(tr(parse(r.expr), { form, tol: r.tol ?? 0 }));
      const w = r.when ? bool(tr(parse(r.when), { form, tol: 0 })) : null;
      const cond = w ? `(${w}) AND NOT (${e})` : `NOT (${e})`;
      selects.push(`SUM(CASE WHEN ${cond} THEN 1 ELSE 0 END) AS ${q(r.id)}`);
      translated.push(r.id);
    } catch (err) {
      if (!(err instanceof Unsupported)) throw err;
      skipped.push({ id: r.id, reason: err.message });
    }
  }
}
const query = `SELECT\n  ${selects.join(',\n  ')}\nFROM gq`;
if (args['print-sql']) {
  console.log(query);
  process.exit(0);
}

// ---------------------------------------------------------------- run

const header = readFileSync(args.csv, 'utf8').slice(0, 1 << 16).split('\n')[0].split(',');
const text = new Set(spec.text_columns ?? []);
const types = header
  .map((c) => `${lit(c)}: '${c === 'unit_id' ? 'BIGINT' : text.has(c) ? 'VARCHAR' : 'DOUBLE'}'`)
  .join(', ');

const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const con = await instance.connect();
await con.run(`SET threads = ${threads}`);
const version = (await con.runAndReadAll('SELECT version() AS v')).getRowObjects()[0].v;

let t0 = performance.now();
await con.run(
  `CREATE TABLE gq AS SELECT * FROM read_csv(${lit(args.csv)}, header = true, delim = ',', ` +
    `quote = '"', nullstr = '', auto_detect = false, columns = {${types}})`,
);
const loadMs = performance.now() - t0;
const rows = Number((await con.runAndReadAll('SELECT count(*) AS n FROM gq')).getRowObjects()[0].n);

const times = [];
let counts = null;
for (let r = 0; r < runs; r++) {
  t0 = performance.now();
  const reader = await con.runAndReadAll(query);
  times.push(performance.now() - t0);
  const row = reader.getRowObjects()[0];
  const c = Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v ?? 0)]));
  if (counts && JSON.stringify(c) !== JSON.stringify(counts)) throw new Error('counts differ between runs');
  counts = c;
}

const engineIds = new Set(spec.engine_rule_ids ?? []);
console.log(JSON.stringify({
  duckdb_version: version,
  threads: Number((await con.runAndReadAll("SELECT current_setting('threads') AS t")).getRowObjects()[0].t),
  rows,
  columns: header.length,
  load_ms: loadMs,
  query: { runs_ms: times, best_ms: Math.min(...times), aggregates: selects.length },
  rules_translated: translated.length,
  skipped,
  not_in_engine: translated.filter((id) => engineIds.size && !engineIds.has(id)),
  counts,
}, null, 1));
con.closeSync?.();
instance.closeSync?.();

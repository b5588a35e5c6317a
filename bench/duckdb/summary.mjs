// The DuckDB peer of bench/summary.sh: loads the two generated years (CSV written by
// bench/summary_bench) and runs the same three operations as SQL, timed (best and median of
// --runs): the summary by province × 门类 and by zone (COUNT(*) plus SUM and COUNT of every
// indicator), and year-on-year by province over the units present in both years, carrying only
// keys through the join (a semi-join for this year, a narrow unit→province table joined to last
// year). Prints JSON with the timings and the sums per group for the cross-check.
import { DuckDBInstance } from '@duckdb/node-api';

const args = Object.fromEntries(process.argv.slice(2).reduce((acc, a, i, all) => {
  if (a.startsWith('--')) acc.push([a.slice(2), all[i + 1]]);
  return acc;
}, []));
const runs = Number(args.runs ?? 3);
const threads = Number(args.threads ?? 2);

const instance = await DuckDBInstance.create(':memory:', { threads: String(threads) });
const con = await instance.connect();
const t0 = performance.now();
await con.run(`CREATE TABLE cur AS SELECT * FROM read_csv('${args.cur}', header = true)`);
await con.run(`CREATE TABLE prev AS SELECT * FROM read_csv('${args.prev}', header = true)`);
const loadMs = performance.now() - t0;
const columns = (await con.runAndReadAll("SELECT column_name FROM information_schema.columns WHERE table_name = 'cur' ORDER BY ordinal_position"))
  .getRowObjects().map((r) => r.column_name).filter((c) => !['unit_id', 'province', 'zone', 'section'].includes(c));
const aggs = (t) => columns.map((c) => `SUM(${t}."${c}")::DOUBLE AS "${c}", COUNT(${t}."${c}") AS "n_${c}"`).join(', ');

const queries = {
  province_section: [`SELECT province || '|' || section AS k, COUNT(*) AS units, ${aggs('cur')} FROM cur GROUP BY province, section`],
  zone: [`SELECT zone::VARCHAR AS k, COUNT(*) AS units, ${aggs('cur')} FROM cur GROUP BY zone`],
  yoy: [
    `SELECT province::VARCHAR AS k, COUNT(*) AS units, ${aggs('cur')} FROM cur WHERE unit_id IN (SELECT unit_id FROM prev) GROUP BY province`,
    `SELECT k.province::VARCHAR AS k, COUNT(*) AS units, ${aggs('p')} FROM prev p JOIN (SELECT unit_id, province FROM cur) k ON p.unit_id = k.unit_id GROUP BY k.province`,
  ],
};

const out = { duckdb_version: (await con.runAndReadAll('SELECT version() AS v')).getRowObjects()[0].v, threads, load_ms: loadMs, indicators: columns.length, results: {} };
for (const [name, sqls] of Object.entries(queries)) {
  const ms = [];
  let last;
  for (let r = 0; r < runs; r++) {
    const start = performance.now();
    last = [];
    for (const sql of sqls) last.push((await con.runAndReadAll(sql)).getRowObjects());
    ms.push(performance.now() - start);
  }
  ms.sort((a, b) => a - b);
  out[name] = { best_ms: ms[0], median_ms: ms[Math.floor(ms.length / 2)], runs };
  const keyed = (rows) => Object.fromEntries(rows.map((r) => [String(r.k), Object.fromEntries(Object.entries(r).filter(([c]) => c !== 'k').map(([c, v]) => [c, Number(v ?? 0)]))]));
  if (name === 'yoy') {
    out.results.yoy_current = keyed(last[0]);
    out.results.yoy_previous = keyed(last[1]);
  } else {
    out.results[name] = keyed(last[0]);
  }
}
console.log(JSON.stringify(out));

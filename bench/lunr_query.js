// The search benchmarks' Node side: the top 10 of each query, searched like the search page
// (search.js's findPapers on the split index), or, for the ceiling, by one stock lunr.js index
// over title and whole abstract (lunr.js's own tokenizer and pipeline, all words first, then any).
//   node bench/lunr_query.js split <site/search> <queries.json>
//   node bench/lunr_query.js stock <docs.json> <queries.json>
// queries.json: a list of query strings; docs.json: [[title, abstract], …] in document order.
// Prints {"top": [[doc numbers], …], "ms": total query time}.
//   node bench/lunr_query.js <site/search/index.json> "mixture of experts"
// (bench_build.py) prints {"load_ms", "query_ms", "results"} for one query on the split index.
"use strict";
const fs = require("fs");
const path = require("path");
const staticDir = path.join(__dirname, "..", "themes", "default", "static");
const lunr = require(path.join(staticDir, "lunr-2.3.9.min.js"));
const search = require(path.join(staticDir, "search.js"));

const readJson = (file) => JSON.parse(fs.readFileSync(file, "utf8"));

async function split(directory, queries) {
  const load = (name) => Promise.resolve().then(() => readJson(path.join(directory, name)));
  const store = new search.Store(readJson(path.join(directory, "index.json")), load);
  const top = [];
  for (const query of queries) {
    const found = await search.findPapers(store, query);
    top.push(found.results.slice(0, 10).map((result) => Number(result.ref)));
  }
  return top;
}

function stock(docs, queries) {
  const index = lunr(function () {
    this.ref("id");
    this.field("title", { boost: 10 });
    this.field("abstract");
    docs.forEach(([title, abstract], number) => this.add({ id: String(number), title, abstract }));
  });
  const words = (query) => lunr.tokenizer(query).map((token) => lunr.trimmer(token).toString())
    .filter((word) => word && lunr.stopWordFilter(new lunr.Token(word)));
  const run = (terms, presence) => terms.length ? index.query((q) => terms.forEach((term) => q.term(term, { presence }))) : [];
  return queries.map((query) => {
    const terms = words(query);
    let results = run(terms, lunr.Query.presence.REQUIRED);
    if (!results.length) results = run(terms, lunr.Query.presence.OPTIONAL);
    return results.slice(0, 10).map((result) => Number(result.ref));
  });
}

async function one(manifestPath, query) {
  const directory = path.dirname(manifestPath);
  const started = process.hrtime.bigint();
  const load = (name) => Promise.resolve().then(() => readJson(path.join(directory, name)));
  const store = new search.Store(readJson(manifestPath), load);
  const loaded = process.hrtime.bigint();
  const found = await search.findPapers(store, query);
  const queried = process.hrtime.bigint();
  process.stdout.write(JSON.stringify({ load_ms: Number(loaded - started) / 1e6,
    query_ms: Number(queried - loaded) / 1e6, results: found.results.length }) + "\n");
}

async function main([mode, source, queriesPath]) {
  if (mode !== "split" && mode !== "stock") return one(mode, source);
  const queries = readJson(queriesPath);
  const started = process.hrtime.bigint();
  const top = mode === "split" ? await split(source, queries) : stock(readJson(source), queries);
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  process.stdout.write(JSON.stringify({ top, ms }) + "\n");
}

main(process.argv.slice(2)).catch((error) => {
  process.stderr.write(String(error && error.stack || error) + "\n");
  process.exitCode = 1;
});

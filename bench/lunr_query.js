// Time what a reader's browser does on the search page: parse the index JSON,
// load it into lunr.js, run the first query. Prints one JSON line.
//   node bench/lunr_query.js site/search/index.json "mixture of experts"
const fs = require("fs");
const path = require("path");
const lunr = require(path.join(__dirname, "..", "themes", "default", "static", "lunr-2.3.9.min.js"));

const [indexPath, query] = process.argv.slice(2);
const raw = fs.readFileSync(indexPath, "utf8");
const start = process.hrtime.bigint();
const payload = JSON.parse(raw);
const index = lunr.Index.load(payload.index);
const loaded = process.hrtime.bigint();
const results = index.search(query);
const queried = process.hrtime.bigint();
console.log(JSON.stringify({
  load_ms: Number(loaded - start) / 1e6,
  query_ms: Number(queried - loaded) / 1e6,
  results: results.length,
}));

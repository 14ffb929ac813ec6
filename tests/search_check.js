// Checks of the split search index with lunr.js 2.3.9 and search.js in Node.
//
//   node tests/search_check.js terms <texts.json>
//     For each text of a JSON list: {index: search.js's index terms, query: its query terms}.
//   node tests/search_check.js compare <search dir> <docs.json> <queries.json>
//     Builds one lunr.js index over the documents (docs.json: each document's field texts, in
//     the manifest's field order and document order) with search.js's tokenizer, and compares
//     its results for every query (Lunr syntax) with those of the split index in <search dir>.
//     Exits 1 when a query's top 20 or scores differ.
//   node tests/search_check.js find <search dir> <lookups.json>
//     lookups.json: [{query, doc}]; searches like the page (findPapers) and reports the lookups
//     whose document is not among the results. Exits 1 when one is missing.
"use strict";
const fs = require("fs");
const path = require("path");
const staticDir = path.join(__dirname, "..", "themes", "default", "static");
const lunr = require(path.join(staticDir, "lunr-2.3.9.min.js"));
const search = require(path.join(staticDir, "search.js"));

const TOP = 20;
const TOLERANCE = 1e-6;

function readJson(file) {
  return JSON.parse(fs.readFileSync(file, "utf8"));
}

function openStore(directory) {
  const load = (name) => Promise.resolve().then(() => readJson(path.join(directory, name)));
  return new search.Store(readJson(path.join(directory, "index.json")), load);
}

function terms(textsPath) {
  const texts = readJson(textsPath);
  const report = texts.map((text) => ({ index: search.indexTerms(text), query: search.queryTerms(text) }));
  process.stdout.write(JSON.stringify(report) + "\n");
  return 0;
}

// One lunr.js index over every document, terms made by search.js (the arXiv id whole, as typed).
function monolithicIndex(manifest, docs) {
  return lunr(function () {
    this.ref("id");
    manifest.fields.forEach(([name, boost]) => this.field(name, { boost }));
    this.tokenizer = (text, metadata) => {
      const field = metadata && metadata.fields[0];
      const made = field === "arxiv" ? search.queryTerms(text || "") : search.indexTerms(text || "");
      return made.map((term) => new lunr.Token(term));
    };
    this.pipeline.reset();
    this.searchPipeline.reset();
    this.searchPipeline.add(search.queryTermsPipeline);
    docs.forEach((texts, number) => {
      const doc = { id: String(number) };
      manifest.fields.forEach(([name], field) => { doc[name] = texts[field]; });
      this.add(doc);
    });
  });
}

// Same results, same scores: rank by rank in the top TOP, and every top-TOP paper of one list
// with the same score in the other (papers tied at the cut may differ).
function differences(expected, actual) {
  const problems = [];
  if (expected.length !== actual.length) problems.push(`${expected.length} results, split index ${actual.length}`);
  const scoreOf = (results) => new Map(results.map((result) => [result.ref, result.score]));
  const expectedScores = scoreOf(expected);
  const actualScores = scoreOf(actual);
  for (let rank = 0; rank < Math.min(TOP, expected.length, actual.length); rank++) {
    if (Math.abs(expected[rank].score - actual[rank].score) > TOLERANCE) {
      problems.push(`rank ${rank}: score ${expected[rank].score} vs ${actual[rank].score}`);
    }
  }
  const check = (top, other, label) => top.slice(0, TOP).forEach((result) => {
    const score = other.get(result.ref);
    if (score === undefined || Math.abs(score - result.score) > TOLERANCE) {
      problems.push(`${label} paper ${result.ref} (${result.score}) scores ${score} in the other index`);
    }
  });
  check(expected, actualScores, "monolithic");
  check(actual, expectedScores, "split");
  return problems;
}

async function compare(directory, docsPath, queriesPath) {
  const store = openStore(directory);
  const index = monolithicIndex(store.manifest, readJson(docsPath));
  const queries = readJson(queriesPath);
  const report = { queries: queries.length, compared: 0, withResults: 0, mismatches: [], errors: [] };
  for (const query of queries) {
    let expected;
    try {
      expected = index.search(query);
    } catch (error) {
      report.errors.push({ query, error: String(error.message) });
      continue;
    }
    const actual = (await search.searchClauses(store, search.parseQuery(store, query))).results;
    const problems = differences(expected, actual);
    report.compared += 1;
    if (expected.length) report.withResults += 1;
    if (problems.length) report.mismatches.push({ query, problems: problems.slice(0, 5) });
  }
  process.stdout.write(JSON.stringify(report) + "\n");
  return report.mismatches.length || report.errors.length ? 1 : 0;
}

async function find(directory, lookupsPath) {
  const store = openStore(directory);
  const lookups = readJson(lookupsPath);
  const found = new Map();
  const missing = [];
  for (const { query, doc } of lookups) {
    if (!found.has(query)) {
      const result = await search.findPapers(store, query);
      found.set(query, { refs: new Set(result.results.map((r) => r.ref)), mode: result.mode });
    }
    if (!found.get(query).refs.has(String(doc))) missing.push({ query, doc, mode: found.get(query).mode });
  }
  const report = { lunrVersion: lunr.version, manifestLunr: store.manifest.lunr, lookups: lookups.length,
    queries: found.size, missing };
  process.stdout.write(JSON.stringify(report) + "\n");
  return missing.length ? 1 : 0;
}

async function main([mode, ...args]) {
  if (mode === "terms") return terms(...args);
  if (mode === "compare") return compare(...args);
  if (mode === "find") return find(...args);
  throw new Error(`unknown mode ${mode}`);
}

main(process.argv.slice(2)).then((code) => { process.exitCode = code; }, (error) => {
  process.stderr.write(String(error && error.stack || error) + "\n");
  process.exitCode = 2;
});

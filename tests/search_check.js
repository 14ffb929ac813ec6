// Checks, with lunr.js in Node, that every paper in a built search payload is found by every
// word of its title, searching the way the search page does (search.js's findPapers).
// Usage: node tests/search_check.js <search/index.json>
//   Prints a JSON report; exits 1 when a paper is missing from the results of one of its words.
// Or:    node tests/search_check.js --terms <texts.json>
//   Prints, for each text of a JSON list, the terms lunr.js's own pipeline indexes for it.
"use strict";
const fs = require("fs");
const path = require("path");
const staticDir = path.join(__dirname, "..", "themes", "default", "static");
const lunr = require(path.join(staticDir, "lunr-2.3.9.min.js"));
const { findPapers } = require(path.join(staticDir, "search.js"));

// A title's words as a reader would type them: lunr.js's own tokenizer, trimmer and stop words.
function titleWords(title) {
  return lunr.tokenizer(title)
    .map((token) => lunr.trimmer(token).toString())
    .filter((word) => word && lunr.stopWordFilter(new lunr.Token(word)));
}

function main(indexPath) {
  const payload = JSON.parse(fs.readFileSync(indexPath, "utf8"));
  const index = lunr.Index.load(payload.index);
  const foundByWord = new Map();
  const missing = [];
  let queries = 0;
  payload.docs.title.forEach((title, position) => {
    for (const word of titleWords(title)) {
      if (!foundByWord.has(word)) {
        foundByWord.set(word, new Set(findPapers(index, word).map((result) => result.ref)));
      }
      queries += 1;
      if (!foundByWord.get(word).has(String(position))) missing.push({ title, word });
    }
  });
  const report = {
    lunrVersion: lunr.version,
    indexVersion: payload.index.version,
    papers: payload.docs.title.length,
    queries,
    distinctWords: foundByWord.size,
    missing,
  };
  process.stdout.write(JSON.stringify(report) + "\n");
  return missing.length === 0 && lunr.version === payload.index.version ? 0 : 1;
}

// What lunr.js would put in its index for a text: lunr.tokenizer, then the default pipeline.
function lunrJsTerms(textsPath) {
  const texts = JSON.parse(fs.readFileSync(textsPath, "utf8"));
  const pipeline = new lunr.Pipeline();
  pipeline.add(lunr.trimmer, lunr.stopWordFilter, lunr.stemmer);
  const terms = texts.map((text) => pipeline.run(lunr.tokenizer(text)).map(String));
  process.stdout.write(JSON.stringify(terms) + "\n");
  return 0;
}

process.exitCode = process.argv[2] === "--terms" ? lunrJsTerms(process.argv[3]) : main(process.argv[2]);

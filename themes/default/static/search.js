// The search page. The build wrote a split Lunr index next to this page (search/index.json, the
// manifest; search/s/*.json, term shards; search/f/<folder>/<n>.json, one fragment per paper; see
// generator/build/search/). For each query this script fetches only the shards holding the
// query's terms, assembles a small lunr.Index from them and lets lunr.js 2.3.9 score it: the
// scores are those of one lunr.js index over every paper. Then it fetches the fragments of the
// results it shows. Results are built with DOM methods and text nodes only.
// In Node (tests, benchmarks) the same file exports the tokenizer and the search functions.
(function (root, factory) {
  "use strict";
  var lunr = root.lunr || (typeof require === "function" ? require("./lunr-2.3.9.min.js") : undefined);
  var api = factory(lunr);
  if (typeof module === "object" && module.exports) {
    module.exports = api;
  } else if (root.document) {
    api.start(root.document, root);
  }
}(this, function (lunr) {
  "use strict";

  var FORMAT = 3;  // generator/build/search/__init__.py FORMAT
  var MANIFEST = "index.json";
  var PAGE_SIZE = 20;
  var TYPING_PAUSE_MS = 200;
  var SCROLL_PAUSE_MS = 150;  // the reading position is saved once scrolling pauses
  var SNIPPET_CHARS = 220;
  var MAX_SHARDS = 40;  // a query needing more ("a*") is refused: it would download most of the index
  // Lunr query syntax as a reader writes it on purpose: a leading + or -, field:word, a wildcard *,
  // and word~1 or word^2 at the end of a word. "A^2Search" or "3:1" are words of titles.
  var SYNTAX_MARKS = "(^|\\s)[+-]\\S|\\*|~\\d*(\\s|$)|\\^\\d*(\\s|$)";
  // An arXiv id (generator/content/schema.py ARXIV_ID: 2508.11630, hep-th/9901001, math.GT/0309136)
  // and its version, as a reader pastes it: an address on arxiv.org, "arXiv:" before it, or a
  // version after it. A bare id without a version stays a word, found in every field.
  var ARXIV_ID = "(\\d{4}\\.\\d{4,5}|[a-z-]+(?:\\.[a-z]{2})?/\\d{7})";
  var ARXIV_ADDRESS = new RegExp("^(?:(?:https?://)?(?:www\\.|export\\.)?arxiv\\.org/(?:abs|pdf|html)/|arxiv:\\s*)" +
    ARXIV_ID + "(?:v\\d+)?(?:\\.pdf)?/?$", "i");
  var VERSIONED_ARXIV_ID = new RegExp("^" + ARXIV_ID + "v\\d+$", "i");
  var ARXIV_FIELD = "arxiv";  // generator/build/search/documents.py FIELDS
  // A word offered with "~1" when a query finds nothing: letters only, perhaps required ("+word"),
  // long enough that one edit leaves it recognisable.
  var SPELLING_WORD = /^\+?\p{L}{4,}$/u;

  // --- Terms: generator/build/search/terms.py, rule for rule (its docstring explains them) ---

  var MAX_JOINED = 4;
  var GROUP = /[\p{L}\p{N}]+(?:[-._'\u2019\u2010\u2011][\p{L}\p{N}]+)*/gu;
  var JOINER = /[-._'\u2019\u2010\u2011]/u;
  var JOINERS = /[-._'\u2019\u2010\u2011]/gu;
  var LETTER_THEN_DIGIT = /(?<=[\p{L}\p{Nl}\p{No}])(?=\p{Nd})/u;
  var ENDS_WITH_DIGIT = /\p{Nd}$/u;
  var STARTS_WITH_DIGIT = /^\p{Nd}/u;
  var MARKS = /\p{M}/gu;
  var NON_ASCII = /[^\x00-\x7f]/;
  var APOSTROPHES = "'\u2019";
  var stemmed = new Map();

  function normalize(text) {
    if (!NON_ASCII.test(text)) { return text.toLowerCase(); }
    return text.normalize("NFKD").toLowerCase().replace(MARKS, "");
  }

  // lunr.js's stopWordFilter then stemmer; "" for a stop word.
  function searchTerm(form) {
    var term = stemmed.get(form);
    if (term === undefined) {
      var token = new lunr.Token(form);
      term = lunr.stopWordFilter(token) ? lunr.stemmer(token).toString() : "";
      stemmed.set(form, term);
    }
    return term;
  }

  function joined(runs, joiners) {
    var text = runs[0];
    for (var i = 1; i < runs.length; i++) {
      var keepDot = joiners[i - 1] === "." && ENDS_WITH_DIGIT.test(text) && STARTS_WITH_DIGIT.test(runs[i]);
      text += (keepDot ? "." : "") + runs[i];
    }
    return text;
  }

  function groupsOf(normalized) {
    return normalized.match(GROUP) || [];
  }

  function wordForms(group) {
    var runs = group.split(JOINER);
    var joiners = group.match(JOINERS) || [];
    var forms = [];
    runs.forEach(function (run, number) {
      if (number && APOSTROPHES.indexOf(joiners[number - 1]) >= 0 && Array.from(run).length === 1) { return; }
      forms.push(run);
      var pieces = run.split(LETTER_THEN_DIGIT);
      if (pieces.length > 1) { forms.push.apply(forms, pieces); }
    });
    for (var start = 0; start < runs.length - 1; start++) {
      for (var stop = start + 2; stop <= Math.min(start + MAX_JOINED, runs.length); stop++) {
        forms.push(joined(runs.slice(start, stop), joiners.slice(start, stop - 1)));
      }
    }
    if (runs.length > MAX_JOINED) { forms.push(joined(runs, joiners)); }
    return forms;
  }

  function unique(terms) {
    return Array.from(new Set(terms.filter(Boolean)));
  }

  function groupTerms(group) {
    return unique(wordForms(group).map(searchTerm));
  }

  // The terms a text is indexed under (terms.index_terms).
  function indexTerms(text) {
    var terms = [];
    groupsOf(normalize(text)).forEach(function (group) { terms.push.apply(terms, groupTerms(group)); });
    return terms;
  }

  // A reader's words, normalized, as they are looked up: cut where lunr.js's query parser cuts
  // (white space and "-"), each group joined whole.
  function queryForms(text) {
    var forms = [];
    text.split(lunr.tokenizer.separator).forEach(function (lexeme) {
      groupsOf(normalize(lexeme)).forEach(function (group) {
        forms.push(joined(group.split(JOINER), group.match(JOINERS) || []));
      });
    });
    return forms;
  }

  // The terms a reader's words are looked up as (terms.query_terms).
  function queryTerms(text) {
    return unique(queryForms(text).map(searchTerm));
  }

  // The search pipeline of every index search.js assembles: a query word -> its terms.
  function queryTermsPipeline(token) {
    return queryTerms(token.toString()).map(function (term) { return new lunr.Token(term, token.metadata); });
  }
  lunr.Pipeline.registerFunction(queryTermsPipeline, "paperDigestQueryTerms");

  // --- The split index ---

  // load(path) -> Promise of the parsed JSON file at that path under search/.
  function Store(manifest, load) {
    if (manifest.format !== FORMAT) { throw new StaleIndexError("search index format " + manifest.format); }
    this.manifest = manifest;
    this.load = load;
    this.fields = manifest.fields.map(function (field) { return field[0]; });
    this.boosts = manifest.fields.map(function (field) { return field[1]; });
    this.averages = manifest.fieldLengths.map(function (total) { return total / manifest.documents; });
    this.keys = manifest.shards.map(function (shard) { return shard[0]; });
    this.syntax = new RegExp(SYNTAX_MARKS + "|(^|[\\s+-])(" + this.fields.join("|") + "):");
    this.shards = new Map();  // shard number -> Promise of Map(term -> entry)
    this.vocabulary = null;
    this.pipeline = new lunr.Pipeline();
    this.pipeline.add(queryTermsPipeline);
    this.fragmentCache = new Map();
    this.dayOfDocument = dayOfDocument(manifest.dayCounts, manifest.documents);
  }

  // Each document's first featured day as a number that grows with the day (documents are numbered
  // by that day: generator/build/search/__init__.py day_counts), or null without the counts (an
  // index older than them: results then come in the best match's order only).
  function dayOfDocument(counts, documents) {
    if (!Array.isArray(counts)) { return null; }
    var days = new Uint32Array(documents);
    var start = 0;
    counts.forEach(function (count, day) {
      days.fill(day, start, start + count);
      start += count;
    });
    return days;
  }

  // The results of the newest first featured day first, each day's best match first (lunr.js
  // lists them best first, and the sort keeps that order among equals).
  function newestFirst(store, results) {
    var day = store.dayOfDocument;
    return results.slice().sort(function (a, b) { return day[Number(b.ref)] - day[Number(a.ref)]; });
  }

  function StaleIndexError(message) {
    this.name = "StaleIndexError";
    this.message = message;
  }
  StaleIndexError.prototype = Object.create(Error.prototype);

  function TooBroadError(term) {
    this.name = "TooBroadError";
    this.message = term;
  }
  TooBroadError.prototype = Object.create(Error.prototype);

  Store.prototype.loadFile = function (path) {
    return this.load(path).catch(function (error) {
      if (error.name === "AbortError") { throw error; }  // cut short on purpose (fetchJson): nothing is stale
      // A file the manifest names is gone: the site was rebuilt since the manifest was read.
      throw new StaleIndexError(path + ": " + error.message);
    });
  };

  // The shard holding term: the last whose key sorts at or before it.
  Store.prototype.shardNumber = function (term) {
    var low = 0;
    var high = this.keys.length - 1;
    while (low < high) {
      var middle = (low + high + 1) >> 1;
      if (this.keys[middle] <= term) { low = middle; } else { high = middle - 1; }
    }
    return low;
  };

  // The shards that may hold terms starting with prefix.
  Store.prototype.prefixShards = function (prefix) {
    var numbers = [this.shardNumber(prefix)];
    for (var n = numbers[0] + 1; n < this.keys.length && this.keys[n].startsWith(prefix); n++) { numbers.push(n); }
    return numbers;
  };

  Store.prototype.shard = function (number) {
    if (!this.shards.has(number)) {
      var loading = this.loadFile("s/" + this.manifest.shards[number][1] + ".json").then(function (entries) {
        return new Map(entries.map(function (entry) { return [entry[0], entry]; }));
      });
      this.shards.set(number, loading);
      loading.catch(function () { this.shards.delete(number); }.bind(this));  // tried again next time
    }
    return this.shards.get(number);
  };

  // Promise of the Set of those terms that some paper has.
  Store.prototype.termsPresent = function (terms) {
    var store = this;
    return Promise.all(terms.map(function (term) {
      return store.shard(store.shardNumber(term)).then(function (shard) { return shard.has(term) ? term : null; });
    })).then(function (found) { return new Set(found.filter(Boolean)); });
  };

  Store.prototype.allTerms = function () {
    if (!this.vocabulary) { this.vocabulary = this.loadFile("v/" + this.manifest.vocabulary + ".json"); }
    return this.vocabulary;
  };

  Store.prototype.fragment = function (doc) {
    if (!this.fragmentCache.has(doc)) {
      var folder = Math.floor(doc / this.manifest.fragmentsPerFolder);  // generator/build/search fragment_path
      var loading = this.loadFile("f/" + folder + "/" + doc + ".json");
      this.fragmentCache.set(doc, loading);
      loading.catch(function () { this.fragmentCache.delete(doc); }.bind(this));
    }
    return this.fragmentCache.get(doc);
  };

  // Does the automaton of lunr.TokenSet.fromClause accept word? (TokenSet.intersect's rule: an
  // edge matches its character, a "*" edge any character.)
  function accepts(node, word, position) {
    if (position === word.length) { return node.final; }
    var next = node.edges[word[position]];
    if (next && accepts(next, word, position + 1)) { return true; }
    next = node.edges["*"];
    return Boolean(next) && accepts(next, word, position + 1);
  }

  // One lookup of a clause: the term after the search pipeline, and how to find its index terms.
  function lookups(store, clause) {
    var terms = clause.usePipeline ? store.pipeline.runString(clause.term, { fields: clause.fields }) : [clause.term];
    return terms.map(function (term) {
      var fuzzy = clause.editDistance > 0;
      var prefix = /^[^*]+\*+$/.test(term) ? term.replace(/\*+$/, "") : null;
      var exact = !fuzzy && term.indexOf("*") < 0;
      var automaton = lunr.TokenSet.fromClause(Object.assign({}, clause, { term: term }));
      return { term: term, exact: exact, prefix: exact || fuzzy ? null : prefix, automaton: automaton };
    });
  }

  // The index terms each lookup expands to, exactly the terms lunr.js would expand it to in an
  // index of every paper: exact terms by their shard, prefixes by the shards of their range,
  // other wildcards and fuzzy terms through the list of every term.
  function expand(store, allLookups) {
    var everything = allLookups.filter(function (lookup) { return /^\**$/.test(lookup.term); });
    if (everything.length) { return Promise.reject(new TooBroadError(everything[0].term)); }
    var needsVocabulary = allLookups.some(function (lookup) { return !lookup.exact && lookup.prefix === null; });
    return Promise.resolve(needsVocabulary ? store.allTerms() : null).then(function (vocabulary) {
      var wanted = new Map();  // shard number -> lookups
      function want(number, lookup) {
        if (!wanted.has(number)) { wanted.set(number, []); }
        wanted.get(number).push(lookup);
      }
      allLookups.forEach(function (lookup) {
        if (lookup.exact) {
          want(store.shardNumber(lookup.term), lookup);
        } else if (lookup.prefix !== null) {
          store.prefixShards(lookup.prefix).forEach(function (number) { want(number, lookup); });
        } else {
          vocabulary.filter(function (word) { return accepts(lookup.automaton, word, 0); })
            .forEach(function (word) { want(store.shardNumber(word), lookup); });
        }
      });
      if (wanted.size > MAX_SHARDS) {
        throw new TooBroadError(allLookups.filter(function (lookup) { return !lookup.exact; })
          .map(function (lookup) { return lookup.term; }).join(" "));
      }
      var numbers = Array.from(wanted.keys());
      return Promise.all(numbers.map(function (number) { return store.shard(number); })).then(function (shards) {
        var entries = new Map();
        shards.forEach(function (shard, position) {
          wanted.get(numbers[position]).forEach(function (lookup) {
            if (lookup.exact) {
              if (shard.has(lookup.term)) { entries.set(lookup.term, shard.get(lookup.term)); }
              return;
            }
            shard.forEach(function (entry, word) {
              if (accepts(lookup.automaton, word, 0)) { entries.set(word, entry); }
            });
          });
        });
        return entries;
      });
    });
  }

  var NO_METADATA = Object.freeze({});
  var EMPTY_VECTOR = new lunr.Vector([]);

  // A field's postings: [doc gaps, term frequencies or 0 when all are 1, field lengths].
  function decodeField(encoded) {
    if (!encoded) { return null; }
    var gaps = encoded[0];
    var docs = new Array(gaps.length);
    for (var i = 0, doc = 0; i < gaps.length; i++) { doc += gaps[i]; docs[i] = doc; }
    return { docs: docs, frequencies: encoded[1] || null, lengths: encoded[2] };
  }

  // lunr.Builder.createFieldVectors' weight of one posting, with the same operations in the
  // same order, so that the numbers are bit for bit lunr.js's.
  function weight(idf, tf, fieldLength, averageLength, boost) {
    var k1 = 1.2;
    var b = 0.75;
    var score = idf * ((k1 + 1) * tf) / (k1 * (1 - b + b * (fieldLength / averageLength)) + tf);
    score *= boost;
    return Math.round(score * 1000) / 1000;
  }

  // A lunr.Index holding the given index terms with every posting, and for every document in
  // those postings the field vector entries of those terms: all that lunr.Index.query reads.
  function assemble(store, entries, negated) {
    var terms = Array.from(entries.keys()).sort();
    var fields = store.fields;
    var invertedIndex = Object.create(null);
    var elements = new Map();  // field ref -> [term index, weight, …]
    var lengths = new Map();  // doc -> {field number: length}, to check fragments against
    terms.forEach(function (term, termIndex) {
      var entry = entries.get(term);
      var posting = { _index: termIndex };
      var decoded = fields.map(function (field, number) {
        var postings = decodeField(entry[number + 1]);
        var byDoc = Object.create(null);
        if (postings) { postings.docs.forEach(function (doc) { byDoc[doc] = NO_METADATA; }); }
        posting[field] = byDoc;
        return postings;
      });
      var idf = lunr.idf(posting, store.manifest.documents);
      decoded.forEach(function (postings, number) {
        if (!postings) { return; }
        postings.docs.forEach(function (doc, i) {
          var tf = postings.frequencies ? postings.frequencies[i] : 1;
          var fieldRef = fields[number] + "/" + doc;
          if (!elements.has(fieldRef)) { elements.set(fieldRef, []); }
          elements.get(fieldRef).push(termIndex,
            weight(idf, tf, postings.lengths[i], store.averages[number], store.boosts[number]));
          if (!lengths.has(doc)) { lengths.set(doc, {}); }
          lengths.get(doc)[number] = postings.lengths[i];
        });
      });
      invertedIndex[term] = posting;
    });
    var fieldVectors = Object.create(null);
    if (negated) {  // lunr.js then scores every document (0): it lists them from fieldVectors
      for (var doc = 0; doc < store.manifest.documents; doc++) { fieldVectors[fields[0] + "/" + doc] = EMPTY_VECTOR; }
    }
    elements.forEach(function (vector, fieldRef) { fieldVectors[fieldRef] = new lunr.Vector(vector); });
    var index = new lunr.Index({
      invertedIndex: invertedIndex, fieldVectors: fieldVectors, tokenSet: lunr.TokenSet.fromArray(terms),
      fields: fields, pipeline: store.pipeline,
    });
    return { index: index, lengths: lengths };
  }

  // lunr.js's results for these clauses (as lunr.Query holds them) over every paper.
  function searchClauses(store, clauses) {
    if (!clauses.length) { return Promise.resolve({ results: [], lengths: new Map() }); }
    var allLookups = [];
    clauses.forEach(function (clause) { allLookups.push.apply(allLookups, lookups(store, clause)); });
    var negated = clauses.every(function (clause) { return clause.presence === lunr.Query.presence.PROHIBITED; });
    return expand(store, allLookups).then(function (entries) {
      var assembled = assemble(store, entries, negated);
      var results = assembled.index.query(function (query) {
        clauses.forEach(function (clause) { query.clause(Object.assign({}, clause)); });
      });
      return { results: results, lengths: assembled.lengths };
    });
  }

  // The clauses of a query in Lunr syntax; throws lunr.QueryParseError.
  function parseQuery(store, text) {
    var query = new lunr.Query(store.fields);
    new lunr.QueryParser(text, query).parse();
    return query.clauses;
  }

  function wordClauses(terms, presence) {
    return terms.map(function (term) { return { term: term, usePipeline: false, presence: presence }; });
  }

  // The reader's plain words, each {form, term, pieces}. pieces: for a word the tokenizer cuts where
  // a letter meets a digit ("llama3", "qwen2.5"), the stretches between the cuts that have a term
  // ("llama", "3"; "qwen", "2.5"): a paper writing "Llama 3" has those, not "llama3".
  // A stop word piece is dropped, as the index drops it ("a100": "100").
  function plainWords(text) {
    var words = [];
    var seen = new Set();
    queryForms(text).forEach(function (form) {
      var term = searchTerm(form);
      if (!term || seen.has(term)) { return; }
      seen.add(term);
      var pieces = form.split(LETTER_THEN_DIGIT);
      words.push({ form: form, term: term, pieces: pieces.length > 1 ? pieces.filter(searchTerm) : null });
    });
    return words;
  }

  // Clauses finding the papers that have every word: a cut word's joined form, or all its pieces.
  // One required clause per piece, "llama3 llama" and "llama3 3": lunr.js requires one of a
  // clause's terms (its search pipeline, queryTermsPipeline, makes both), and scores every term
  // found, so the joined form ranks first. A clause with a term no paper has finds nothing in
  // lunr.js, hence only the forms that some paper has (present).
  function everyWordClauses(words, present) {
    var clauses = [];
    words.forEach(function (word) {
      if (!word.pieces) {
        clauses.push({ term: word.term, usePipeline: false, presence: lunr.Query.presence.REQUIRED });
        return;
      }
      word.pieces.forEach(function (piece) {
        var either = [word.form, piece].filter(function (form) { return present.has(searchTerm(form)); });
        clauses.push({ term: (either.length ? either : [piece]).join(" "), usePipeline: true,
          presence: lunr.Query.presence.REQUIRED });
      });
    });
    return clauses;
  }

  // The terms finding the papers that have any of the words: each word's joined term and, for a
  // cut word, its pieces' ("llama3": "llama3", "llama", "3"), as everyWordClauses looks them up.
  function anyWordTerms(words) {
    var terms = [];
    words.forEach(function (word) { terms.push.apply(terms, [word.term].concat((word.pieces || []).map(searchTerm))); });
    return unique(terms);
  }

  // Promise of the terms, among those of the words and their pieces, that some paper has: only
  // needed when a word has pieces (the shards fetched are those the search reads next).
  function presentTerms(store, words) {
    var terms = [];
    words.forEach(function (word) {
      if (word.pieces) { terms.push.apply(terms, [word.form].concat(word.pieces).map(searchTerm)); }
    });
    return terms.length ? store.termsPresent(unique(terms)) : Promise.resolve(new Set());
  }

  function withDefaults(store, clauses) {
    var query = new lunr.Query(store.fields);
    clauses.forEach(function (clause) { query.clause(clause); });
    return query.clauses;
  }

  // The reader's words that have index terms, as typed (for messages).
  function meaningfulWords(text) {
    var words = [];
    text.split(lunr.tokenizer.separator).forEach(function (lexeme) {
      words.push.apply(words, (lexeme.match(RAW_GROUP) || []).filter(function (word) { return queryTerms(word).length; }));
    });
    return unique(words);
  }

  // The arXiv id, without its version, of a query that is an arXiv address or id; or null.
  function arxivIdIn(query) {
    var found = query.match(ARXIV_ADDRESS) || query.match(VERSIONED_ARXIV_ID);
    return found ? found[1] : null;
  }

  // Clauses finding the papers whose arXiv id is id, whatever its version. The arxiv field holds
  // the id's query terms ("2508.11630"; "hep", "th", "9901001"), the last one with the version
  // it was written with, if any: hence a trailing wildcard.
  function arxivClauses(id) {
    var terms = queryTerms(id);
    return terms.map(function (term, number) {
      return { term: number === terms.length - 1 ? term + "*" : term, fields: [ARXIV_FIELD], usePipeline: false,
        presence: lunr.Query.presence.REQUIRED };
    });
  }

  function findByArxivId(store, query, id) {
    return searchClauses(store, withDefaults(store, arxivClauses(id))).then(function (found) {
      if (found.results.length) { return Object.assign(found, { mode: "arxiv", words: [], syntaxError: null }); }
      return findByWords(store, id, null);  // not in the digest: perhaps an abstract names it
    });
  }

  // What the page shows for a query: {results, lengths, mode, words, syntaxError}. mode is
  // "arxiv" (the paper of an arXiv address or id), "syntax" (Lunr syntax, as lunr.js runs it), "all"
  // (papers with every word), "any" (none has them all: papers with any word) or "none" (no word
  // left to search). Never throws on what a reader types; throws StaleIndexError and TooBroadError.
  function findPapers(store, text) {
    var query = text.trim();
    var syntaxError = null;
    var arxivId = store.fields.indexOf(ARXIV_FIELD) >= 0 ? arxivIdIn(query) : null;
    if (arxivId) { return findByArxivId(store, query, arxivId); }
    if (store.syntax.test(query)) {
      try {
        var clauses = parseQuery(store, query);
      } catch (error) {
        if (!(error instanceof lunr.QueryParseError)) { throw error; }
        syntaxError = error.message;
      }
      if (!syntaxError) {
        // Lunr syntax first; when it finds nothing, the words ("A^2Search" is a title, not a boost).
        return searchClauses(store, clauses).then(function (found) {
          if (found.results.length) { return Object.assign(found, { mode: "syntax", words: [], syntaxError: null }); }
          return findByWords(store, query, null);
        });
      }
    }
    return findByWords(store, query, syntaxError);
  }

  function findByWords(store, query, syntaxError) {
    var words = plainWords(query);
    var base = { words: meaningfulWords(query), syntaxError: syntaxError };
    if (!words.length) { return Promise.resolve(Object.assign({ results: [], lengths: new Map(), mode: "none" }, base)); }
    return presentTerms(store, words).then(function (present) {
      return searchClauses(store, withDefaults(store, everyWordClauses(words, present)));
    }).then(function (found) {
      if (found.results.length || words.length === 1) { return Object.assign(found, { mode: "all" }, base); }
      var any = withDefaults(store, wordClauses(anyWordTerms(words), lunr.Query.presence.OPTIONAL));
      return searchClauses(store, any).then(function (anyFound) { return Object.assign(anyFound, { mode: "any" }, base); });
    });
  }

  // The query with "~1" after each plain word of 4+ letters ("difusion modle" -> "difusion~1
  // modle~1"), or null when it has none. Fuzzy terms fetch the list of every term (hundreds of KB),
  // so the page offers this query when one finds nothing, or no paper with all its words, rather
  // than running it unasked.
  function similarSpellings(query) {
    var words = query.trim().split(/\s+/);
    if (!words.some(function (word) { return SPELLING_WORD.test(word); })) { return null; }
    return words.map(function (word) { return SPELLING_WORD.test(word) ? word + "~1" : word; }).join(" ");
  }

  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"];

  // "2025-08-18" -> "August 18, 2025", as every page writes a day (generator/build/render.py long_date).
  // reader.js longDate writes days for the reading list; this file keeps its own, as it runs without
  // reader.js (in Node, and on a search page whose reader.js did not load).
  function longDate(iso) {
    var parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
    return parts ? MONTHS[Number(parts[2]) - 1] + " " + Number(parts[3]) + ", " + parts[1] : iso;
  }

  // --- Snippets: the stretch of the abstract with the most matched words, the words marked ---

  var RAW_GROUP = /[\p{L}\p{N}\p{M}]+(?:[-._'\u2019\u2010\u2011][\p{L}\p{N}\p{M}]+)*/gu;

  // [start, end) of every group of text with an index term in matched.
  function matchedSpans(text, matched) {
    var spans = [];
    var found;
    RAW_GROUP.lastIndex = 0;
    while ((found = RAW_GROUP.exec(text)) !== null) {
      if (indexTerms(found[0]).some(function (term) { return matched.has(term); })) {
        spans.push([found.index, found.index + found[0].length]);
      }
    }
    return spans;
  }

  // The window of at most SNIPPET_CHARS with the most spans, widened to whole words.
  function snippetWindow(text, spans) {
    if (text.length <= SNIPPET_CHARS) { return [0, text.length]; }
    var best = 0;
    var bestCount = 0;
    spans.forEach(function (span, first) {
      var count = spans.filter(function (other, n) { return n >= first && other[1] <= span[0] + SNIPPET_CHARS; }).length;
      if (count > bestCount) { best = first; bestCount = count; }
    });
    var start = spans.length ? Math.max(0, spans[best][0] - 40) : 0;
    start = start > 0 ? text.indexOf(" ", start) + 1 || start : 0;
    var end = Math.min(text.length, start + SNIPPET_CHARS);
    if (end < text.length) { end = text.lastIndexOf(" ", end) > start ? text.lastIndexOf(" ", end) : end; }
    return [start, end];
  }

  // Text nodes and <mark> elements for text[start, end), marking spans.
  function appendMarked(document, parent, text, spans, start, end) {
    var position = start;
    spans.forEach(function (span) {
      if (span[0] < position || span[1] > end) { return; }
      parent.appendChild(document.createTextNode(text.slice(position, span[0])));
      parent.appendChild(element(document, "mark", "", text.slice(span[0], span[1])));
      position = span[1];
    });
    parent.appendChild(document.createTextNode(text.slice(position, end)));
  }

  // --- The page ---

  function element(document, tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function authorLine(fragment) {
    var shown = fragment.a.join(", ");
    return fragment.n > fragment.a.length ? shown + " et al." : shown;
  }

  // [label, address] of the links a result offers, as generator/build/quick_links.py quick_links
  // gives them to list rows: the arXiv page and PDF made from the id (the fragment carries the id
  // alone), then the build's other links. Only http(s) addresses become links.
  function quickLinks(fragment) {
    var links = fragment.i ? [["arXiv", "https://arxiv.org/abs/" + fragment.i],
      ["PDF", "https://arxiv.org/pdf/" + fragment.i]] : [];
    return links.concat(fragment.k || []).filter(function (link) { return /^https?:\/\//i.test(link[1]); });
  }

  // A topic's page (generator/build/urls.py topic_url), from the site root.
  function topicAddress(siteRoot, slug) {
    return siteRoot + "topics/" + encodeURIComponent(slug) + "/";
  }

  // The paper's slug: the last part of its address (generator/build/urls.py paper_url).
  function slugOf(fragment) {
    return fragment.u.replace(/\/$/, "").split("/").pop();
  }

  // A span of links, or null when there are none. title: the paper's, when the links are its own
  // (its code, its PDF): a screen reader's list of links then tells one row's "Code" from the next's.
  function linkGroup(document, className, links, linkClass, rel, title) {
    if (!links.length) { return null; }
    var group = element(document, "span", className);
    links.forEach(function (link) {
      var anchor = element(document, "a", linkClass, link[0]);
      anchor.href = link[1];
      if (rel) { anchor.rel = rel; }
      if (title) { anchor.setAttribute("aria-label", link[0] + ": " + title); }
      group.appendChild(anchor);
    });
    return group;
  }

  function upvotes(document, count) {
    var node = element(document, "span", "upvotes");
    node.title = "Upvotes on Hugging Face";
    var arrow = element(document, "span", "", "\u25b2");
    arrow.setAttribute("aria-hidden", "true");
    node.append(arrow, " " + count, element(document, "span", "visually-hidden", " upvotes"));
    return node;
  }

  // The day, upvotes, authors, organization, topic chips and quick links, as a list row has them.
  function metaLine(document, fragment, siteRoot) {
    var meta = element(document, "div", "paper-meta");
    var day = element(document, "time", "", longDate(fragment.d));
    day.setAttribute("datetime", fragment.d);
    var chips = fragment.p.map(function (topic) { return [topic[1], topicAddress(siteRoot, topic[0])]; });
    var parts = [day, typeof fragment.v === "number" ? upvotes(document, fragment.v) : null,
      fragment.a.length ? element(document, "span", "paper-authors", authorLine(fragment)) : null,
      fragment.o ? element(document, "span", "paper-organization", fragment.o) : null,
      linkGroup(document, "chips", chips, "chip"),
      linkGroup(document, "quick-links", quickLinks(fragment), "quick-link", "noopener nofollow", fragment.t)];
    meta.append.apply(meta, parts.filter(Boolean));
    return meta;
  }

  function snippetOf(document, fragment, matched) {
    var spans = matchedSpans(fragment.x, matched);
    var range = snippetWindow(fragment.x, spans);
    var snippet = element(document, "p", "paper-snippet");
    if (range[0] > 0) { snippet.appendChild(document.createTextNode("\u2026")); }
    appendMarked(document, snippet, fragment.x, spans, range[0], range[1]);
    if (range[1] < fragment.x.length) { snippet.appendChild(document.createTextNode("\u2026")); }
    return snippet;
  }

  // The whole abstract behind a toggle, as on list rows, its web addresses links as there; the
  // snippet above shows why it matched.
  function abstractToggle(document, fragment) {
    var toggle = element(document, "details", "abstract-toggle");
    var text = element(document, "div", "abstract-text");
    addressParts(fragment.x).forEach(function (part) {
      if (typeof part === "string") {
        text.appendChild(document.createTextNode(part));
      } else {
        var link = element(document, "a", "", part.shown);
        link.href = part.href;
        link.rel = "nofollow";
        text.appendChild(link);
      }
    });
    toggle.append(element(document, "summary", "", "Abstract"), text);
    return toggle;
  }

  // A web address in plain text, as generator/content/addresses.py finds one in a list row's
  // abstract (SCHEME_OR_WWW_ADDRESS; \w there is a letter, a digit or _).
  var WEB_ADDRESS = /(?:https?:\/\/|www\.)[\p{L}\p{N}_-]+(?:\.[\p{L}\p{N}_-]+)+(?::\d{1,5})?(?:[\/?#][^\s<>"'\\{}$`|^]*)?/gu;
  var BEFORE_A_WORD = /[\p{L}\p{N}_.@\/-]/u;
  var TRAILING_PUNCTUATION = ".,;:!?'\"*";
  var OPENING_BRACKET = { ")": "(", "]": "[" };

  // The text as strings and {shown, href} addresses, in order (addresses.py linked_addresses).
  function addressParts(text) {
    var parts = [];
    var position = 0;
    text.replace(WEB_ADDRESS, function (written, start) {
      var withinWord = written.slice(0, 4) === "www." && start > 0 && BEFORE_A_WORD.test(text.charAt(start - 1));
      var shown = withoutTrailingPunctuation(written);
      var href = shown.indexOf("://") < 0 ? "http://" + shown : shown;
      if (withinWord || !isLinkAddress(href)) { return written; }
      parts.push(text.slice(position, start), { shown: shown, href: href });
      position = start + shown.length;
      return written;
    });
    parts.push(text.slice(position));
    return parts.filter(function (part) { return part !== ""; });
  }

  // addresses.py without_trailing_punctuation: a sentence's full stop, or a bracket opened before it.
  function withoutTrailingPunctuation(url) {
    var end = url.length;
    var unmatched = { ")": count(url, ")") - count(url, "("), "]": count(url, "]") - count(url, "[") };
    while (end) {
      var last = url.charAt(end - 1);
      if (OPENING_BRACKET[last] && unmatched[last] > 0) {
        unmatched[last] -= 1;
      } else if (TRAILING_PUNCTUATION.indexOf(last) < 0) {
        break;
      }
      end -= 1;
    }
    return url.slice(0, end);
  }

  function count(text, character) {
    return text.split(character).length - 1;
  }

  // addresses.py is_link_address: http(s), a valid port, a dotted host.
  function isLinkAddress(href) {
    try {
      var parsed = new URL(href);
      return /^https?:$/.test(parsed.protocol) && parsed.hostname.indexOf(".") >= 0;
    } catch (error) {
      return false;
    }
  }

  // Hugging Face's machine-written summary, labelled as list rows label it.
  function summaryOf(document, text) {
    var summary = element(document, "p", "paper-summary");
    var label = element(document, "span", "summary-label", "AI summary");
    label.title = "Written by a language model for Hugging Face's Daily Papers";
    summary.append(label, " " + text);
    return summary;
  }

  function resultItem(document, fragment, matched, siteRoot) {
    var item = element(document, "li", "paper-item");
    item.dataset.slug = slugOf(fragment);
    var main = element(document, "div", "paper-main");
    var head = element(document, "div", "paper-head");
    var heading = element(document, "h2", "paper-heading");  // a screen reader goes from result to result
    var link = element(document, "a", "paper-title");
    link.href = siteRoot + fragment.u;
    appendMarked(document, link, fragment.t, matchedSpans(fragment.t, matched), 0, fragment.t.length);
    heading.appendChild(link);
    head.appendChild(heading);
    var reader = document.defaultView.paperDigestReader;  // reader.js, which shows and wires the toggle
    if (reader) {
      head.appendChild(reader.saveToggle({ slug: slugOf(fragment), title: fragment.t, url: link.getAttribute("href"),
        day: fragment.d }));
    }
    main.append(head, metaLine(document, fragment, siteRoot));
    if (fragment.s) { main.appendChild(summaryOf(document, fragment.s)); }
    main.appendChild(snippetOf(document, fragment, matched));
    if (fragment.x) { main.appendChild(abstractToggle(document, fragment)); }
    item.appendChild(main);
    return item;
  }

  function quoted(text) {
    return "\u201c" + text + "\u201d";
  }

  function statusText(found, query) {
    var count = found.results.length;
    var papers = count + (count === 1 ? " result" : " results");
    var prefix = found.syntaxError ?
      quoted(query) + " is not valid search syntax (" + found.syntaxError + "); searching its words. " : "";
    if (found.mode === "any" && count) {
      return prefix + "No paper has all of " + found.words.map(quoted).join(", ") + "; showing " + papers +
        " with any of them.";
    }
    if (!count) { return prefix + "No results for " + quoted(query) + "."; }
    return prefix + papers + " for " + quoted(query) + ".";
  }

  // The fields lengths the shards gave for a document, against those its fragment carries.
  function isCurrent(fragment, known) {
    return !known || Object.keys(known).every(function (number) { return fragment.l[number] === known[number]; });
  }

  var NEWEST = "newest";  // the order in the address (?sort=newest); the best match first without it

  // The search page's address for query, in this order.
  function queryAddress(window, query, order) {
    var parameters = (query ? ["q=" + encodeURIComponent(query)] : []).concat(order === NEWEST ? ["sort=" + NEWEST] : []);
    return window.location.pathname + (parameters.length ? "?" + parameters.join("&") : "");
  }

  // A shareable address for the current search, without reloading the page. A new query starts
  // with no saved list length or reading position (rememberView).
  function rememberQuery(window, query, order) {
    window.history.replaceState(null, "", queryAddress(window, query, order));
  }

  // The same for a search the reader chose to go to (a suggestion), as a link would: a new history
  // entry, so that Back returns to the query before.
  function goToQuery(window, query, order) {
    window.history.pushState(null, "", queryAddress(window, query, order));
  }

  function queryInAddress(window) {
    return new URLSearchParams(window.location.search).get("q") || "";
  }

  function orderInAddress(window) {
    return new URLSearchParams(window.location.search).get("sort") === NEWEST ? NEWEST : "";
  }

  // "Order: Best match / Newest first", a control of the list: the page without JavaScript lists no
  // results, so the template has none.
  function orderControl(document) {
    var control = element(document, "p", "search-order");
    var select = element(document, "select");
    select.id = "search-order";
    [["", "Best match"], [NEWEST, "Newest first"]].forEach(function (option) {
      var node = element(document, "option", "", option[1]);
      node.value = option[0];
      select.appendChild(node);
    });
    var label = element(document, "label", "", "Order ");
    label.htmlFor = select.id;
    control.append(label, select);
    return { node: control, select: select };
  }

  // Keeps changes ({shown: results listed, scrollY}) in this page's history entry, which the
  // browser gives back when a reader returns to it (Back from a paper, a reload).
  function rememberView(window, changes) {
    window.history.replaceState(Object.assign({}, window.history.state, changes), "", window.location.href);
  }

  // `digest serve` shows a rebuilt page in place and runs this script again on the same window
  // (generator/preview/reload.js): the run before ends first, its window listeners and its
  // pending pauses with it, or each would go on acting on a page no longer shown.
  var SEARCH_RUN = "paperDigestSearchRun";

  function start(document, window) {
    var script = document.currentScript;
    if (window[SEARCH_RUN]) { window[SEARCH_RUN].abort(); }
    var thisRun = window[SEARCH_RUN] = new AbortController();
    function run() {
      var input = document.getElementById("search-input");
      var form = input && input.form;
      var status = document.getElementById("search-status");
      var list = document.getElementById("search-results");
      if (!form || !status || !list) { return; }
      // The index sits next to the search page; paper URLs are relative to the site root.
      var searchPage = new URL(form.getAttribute("action") || window.location.pathname, window.location.href);
      var siteRoot = (script && script.getAttribute("data-site-root")) || searchPage.pathname.replace(/search\/?$/, "");
      connect({ document: document, window: window, form: form, input: input, status: status, list: list,
        searchPage: searchPage, siteRoot: siteRoot, lifetime: thisRun.signal });
    }
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", run);
    } else {
      run();
    }
  }

  // Files by path under search/. The manifest names every other file (shards by their hash), so
  // it alone is always revalidated: whatever a browser cache holds, it points to one build. A
  // fetch still under way when the run's lifetime ends is cut short: its page is no longer shown.
  function fetchJson(window, base, lifetime) {
    return function (path) {
      var options = { cache: path === MANIFEST ? "no-cache" : "default", signal: lifetime };
      return window.fetch(new URL(path, base).href, options).then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      });
    };
  }

  function connect(page) {
    var document = page.document;
    var store = null;
    var searches = 0;  // a newer search makes older ones' results stale
    var timer = null;
    var more = element(document, "button", "search-more", "Show more");
    more.type = "button";
    more.hidden = true;
    page.list.after(more);
    var suggestion = element(document, "p", "search-suggestion");
    suggestion.hidden = true;
    page.status.after(suggestion);
    var order = orderControl(document);
    order.node.hidden = true;  // until the index says it knows the days
    page.status.before(order.node);
    page.input.value = queryInAddress(page.window);
    order.select.value = orderInAddress(page.window);
    page.status.textContent = "Loading the search index\u2026";

    // A query that cannot run leaves no results on screen: those of the query before would
    // read as its results.
    function clearResults() {
      page.list.replaceChildren();
      more.hidden = true;
    }

    // "Try similar spellings: difusion~1 modle~1", a link to that search (shareable, and it opens
    // in a new tab as any link), which a click runs in place.
    function offerSimilarSpellings(query) {
      var similar = similarSpellings(query);
      if (!similar) { return; }
      var link = element(document, "a", "", similar);
      link.href = queryAddress(page.window, similar, order.select.value);
      link.addEventListener("click", function (event) {
        if (event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) { return; }
        event.preventDefault();
        page.window.clearTimeout(timer);
        goToQuery(page.window, similar, order.select.value);
        page.input.value = similar;
        show(similar);
      });
      suggestion.replaceChildren(document.createTextNode("Try similar spellings: "), link);
      suggestion.hidden = false;
    }

    function offerReload() {
      clearResults();
      page.status.textContent = "The site was updated since this page was opened. ";
      var reload = element(document, "button", "search-reload", "Reload the page");
      reload.type = "button";
      reload.addEventListener("click", function () { page.window.location.reload(); });
      page.status.appendChild(reload);
    }

    function failed(error) {
      if (error instanceof StaleIndexError) {
        offerReload();
        return;
      }
      clearResults();
      if (error instanceof TooBroadError) {
        page.status.textContent = quoted(error.message) + " matches too many words; add letters before the *.";
      } else {
        page.status.textContent = "Search failed: " + error.message;
      }
    }

    // Is search the one this page shows? Not once a newer one started, nor once the run ended (the
    // preview showed the page again in place): its results and errors, an AbortError of its cut
    // fetches among them, belong to a body no longer shown.
    function isShown(search) {
      return search === searches && !page.lifetime.aborted;
    }

    // failed() for one search: once a newer one started, its error is no longer the page's news.
    function failedSearch(search) {
      return function (error) {
        if (isShown(search)) { failed(error); }
      };
    }

    // Appends the next count results (a page unless given), each as soon as it and those before
    // it arrived.
    function showMore(found, search, count) {
      var shown = page.list.children.length;
      var batch = found.results.slice(shown, shown + (count || PAGE_SIZE));
      var fetching = batch.map(function (result) { return store.fragment(result.ref); });  // all at once
      more.hidden = true;
      var appended = fetching.reduce(function (previous, fragmentLoaded, n) {
        return previous.then(function () { return fragmentLoaded; }).then(function (fragment) {
          if (!isShown(search)) { return; }
          if (!isCurrent(fragment, found.lengths.get(Number(batch[n].ref)))) {
            throw new StaleIndexError("a fragment is newer than the shards");
          }
          var terms = new Set(Object.keys(batch[n].matchData.metadata));
          page.list.appendChild(resultItem(document, fragment, terms, page.siteRoot));
        });
      }, Promise.resolve());
      return appended.then(function () {
        if (!isShown(search)) { return; }
        var left = found.results.length - page.list.children.length;
        more.textContent = "Show " + Math.min(left, PAGE_SIZE) + " more";
        more.hidden = left <= 0;
        more.onclick = function () {
          showMore(found, search).then(function () {
            if (isShown(search)) { rememberView(page.window, { shown: page.list.children.length }); }
          }).catch(failedSearch(search));
        };
      });
    }

    // Shows the results for text; view: the list length and reading position to return to.
    function show(text, view) {
      var query = text.trim();
      var search = ++searches;
      if (!store) { return; }
      suggestion.hidden = true;
      if (!query) {
        clearResults();
        page.status.textContent = "Type a word to search " + store.manifest.documents + " papers.";
        return;
      }
      page.status.textContent = "Searching\u2026";
      findPapers(store, query).then(function (found) {
        if (!isShown(search)) { return null; }
        if (order.select.value === NEWEST && store.dayOfDocument) {
          found = Object.assign({}, found, { results: newestFirst(store, found.results) });
        }
        page.list.replaceChildren();
        return showMore(found, search, view && view.shown).then(function () {
          // Set with the first results, never before: the count and the list always agree.
          if (!isShown(search)) { return; }
          page.status.textContent = statusText(found, query);
          // Papers with only some of the words are often there because one word is misspelt.
          if (!found.results.length || found.mode === "any") { offerSimilarSpellings(query); }
          if (view && view.scrollY) { page.window.scrollTo(0, view.scrollY); }
        });
      }).catch(failedSearch(search));
    }

    function searchNow() {
      page.window.clearTimeout(timer);
      rememberQuery(page.window, page.input.value.trim(), order.select.value);
      show(page.input.value);
    }

    page.form.addEventListener("submit", function (event) {
      event.preventDefault();
      searchNow();
    });
    page.input.addEventListener("input", function () {
      page.window.clearTimeout(timer);
      timer = page.window.setTimeout(searchNow, TYPING_PAUSE_MS);
    });
    order.select.addEventListener("change", searchNow);  // the same results in the other order

    // The reading position, kept for Back: the browser's own restoring would scroll the page
    // before the results it needs are listed, so this script scrolls once they are.
    page.window.history.scrollRestoration = "manual";
    var scrollTimer = null;
    function rememberScroll() {
      page.window.clearTimeout(scrollTimer);
      rememberView(page.window, { scrollY: Math.round(page.window.scrollY) });
    }
    page.window.addEventListener("scroll", function () {
      page.window.clearTimeout(scrollTimer);
      scrollTimer = page.window.setTimeout(rememberScroll, SCROLL_PAUSE_MS);
    }, { passive: true, signal: page.lifetime });
    page.list.addEventListener("click", rememberScroll);  // a result opened before scrolling paused
    // Back or Forward between the searches of this page (goToQuery): the entry's query and view.
    page.window.addEventListener("popstate", function () {
      page.window.clearTimeout(timer);
      page.input.value = queryInAddress(page.window);
      order.select.value = orderInAddress(page.window);
      show(page.input.value, page.window.history.state);
    }, { signal: page.lifetime });
    page.window.addEventListener("pagehide", rememberScroll, { signal: page.lifetime });
    // The typing pause of a run ended in place would write its query into the address of the
    // page shown after it.
    page.lifetime.addEventListener("abort", function () {
      page.window.clearTimeout(timer);
      page.window.clearTimeout(scrollTimer);
    });

    var load = fetchJson(page.window, page.searchPage, page.lifetime);
    load(MANIFEST).then(function (manifest) {
      store = new Store(manifest, load);
      order.node.hidden = !store.dayOfDocument;
      show(page.input.value, page.window.history.state);
    }).catch(function (error) {
      if (page.lifetime.aborted) { return; }  // the run ended: not a failure the page shown has
      if (error instanceof StaleIndexError) { offerReload(); return; }
      page.status.textContent = "Search is unavailable: the search index could not be loaded.";
    });
  }

  return {
    normalize: normalize, wordForms: wordForms, indexTerms: indexTerms, queryTerms: queryTerms,
    queryTermsPipeline: queryTermsPipeline, Store: Store, findPapers: findPapers, searchClauses: searchClauses,
    parseQuery: parseQuery, matchedSpans: matchedSpans, quickLinks: quickLinks, addressParts: addressParts,
    longDate: longDate,
    StaleIndexError: StaleIndexError,
    start: start,
  };
}));

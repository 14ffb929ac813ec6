// The search page: loads the Lunr index the build prebuilt (search/index.json, next to the
// search page), searches it as the reader types, and lists the results. Results are built with
// createElement and textContent only, so nothing from the index is ever parsed as HTML.
// In Node (tests) the same file exports findPapers, the function the page searches with.
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

  var RESULT_LIMIT = 100;
  var TYPING_PAUSE_MS = 150;
  // Lunr query syntax: field:word, fuzzy~1, boost^2, wildcard*; and a leading + or - on a word.
  var LUNR_SYNTAX = /[:~^*]|(^|\s)[+-]\S/;
  var PRESENCE_SYNTAX = /(^|\s)[+-]\S/;

  // The query's words as lunr.js indexes words: split like lunr.tokenizer, trimmed like
  // lunr.trimmer ("title:" -> "title", "a~" -> "a"), stop words dropped (they are not in the
  // index, so requiring one would find nothing). A term query does not parse Lunr syntax, so a
  // word like "3:1" is looked up as it is.
  function plainWords(query) {
    return query.toLowerCase().split(lunr.tokenizer.separator)
      .map(function (word) { return word.replace(/^\W+/, "").replace(/\W+$/, ""); })
      .filter(function (word) { return word && lunr.stopWordFilter(new lunr.Token(word)); });
  }

  function termSearch(index, words, presence) {
    if (!words.length) { return []; }  // a Lunr query without clauses would match every paper
    return index.query(function (query) {
      words.forEach(function (word) { query.term(word, { presence: presence }); });
    });
  }

  function lunrSearch(index, query) {
    try {
      return index.search(query);
    } catch (error) {
      // lunr.QueryParseError ("title:", "a~", "+", "^2"): the term searches accept any text.
      if (!(error instanceof lunr.QueryParseError) && typeof console !== "undefined") {
        console.warn("Lunr could not run the query; searching its words instead.", error);
      }
      return [];
    }
  }

  // Papers with every word of the query as typed, so that "V^3" or "3:1" finds the paper with
  // that word in its title; Lunr syntax when the reader used it ("+diffusion -video" first,
  // "title:survey" when no paper has the word "title:survey"); at last papers with any word.
  // Never throws on what a reader types.
  function findPapers(index, query) {
    var words = plainWords(query);
    var results = PRESENCE_SYNTAX.test(query) ? lunrSearch(index, query) : [];
    if (!results.length) { results = termSearch(index, words, lunr.Query.presence.REQUIRED); }
    if (!results.length && LUNR_SYNTAX.test(query)) { results = lunrSearch(index, query); }
    if (!results.length) { results = termSearch(index, words, lunr.Query.presence.OPTIONAL); }
    return results;
  }

  function element(document, tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function resultItem(document, docs, ref, siteRoot) {
    var position = Number(ref);
    var item = element(document, "li", "paper-item");
    var link = element(document, "a", "paper-title", docs.title[position]);
    link.href = siteRoot + docs.url[position].replace(/^\//, "");
    var meta = element(document, "p", "paper-meta");
    var day = element(document, "time", "", docs.day[position]);
    day.setAttribute("datetime", docs.day[position]);
    meta.appendChild(day);
    docs.topics[position].forEach(function (name) { meta.appendChild(document.createTextNode(" · " + name)); });
    item.appendChild(link);
    item.appendChild(meta);
    item.appendChild(element(document, "p", "paper-snippet", docs.snippet[position]));
    return item;
  }

  function statusText(count, query) {
    var quoted = "\u201c" + query + "\u201d";
    if (!count) { return "No results for " + quoted + "."; }
    var text = count + (count === 1 ? " result for " : " results for ") + quoted + ".";
    return count > RESULT_LIMIT ? text + " Showing the best " + RESULT_LIMIT + "." : text;
  }

  // A shareable address for the current search, without reloading the page.
  function rememberQuery(window, query) {
    var address = window.location.pathname + (query ? "?q=" + encodeURIComponent(query) : "");
    window.history.replaceState(null, "", address);
  }

  function start(document, window) {
    var script = document.currentScript;
    function run() {
      var form = document.getElementById("search-input") && document.getElementById("search-input").form;
      var status = document.getElementById("search-status");
      var list = document.getElementById("search-results");
      if (!form || !status || !list) { return; }
      // The index sits next to the search page; paper URLs are relative to the site root.
      var searchPage = new URL(form.getAttribute("action") || window.location.pathname, window.location.href);
      var siteRoot = (script && script.getAttribute("data-site-root")) ||
        searchPage.pathname.replace(/search\/?$/, "");
      connect(document, window, form, status, list, searchPage, siteRoot);
    }
    if (document.readyState === "loading") {
      document.addEventListener("DOMContentLoaded", run);
    } else {
      run();
    }
  }

  function connect(document, window, form, status, list, searchPage, siteRoot) {
    var input = form.elements.q;
    var query = new URLSearchParams(window.location.search).get("q") || "";
    var search = null;
    var timer = null;
    input.value = query;
    status.textContent = "Loading the search index\u2026";

    function show(text) {
      var trimmed = text.trim();
      list.replaceChildren();
      if (!search) { return; }
      if (!trimmed) {
        status.textContent = "Type a word to search " + search.docs.title.length + " papers.";
        return;
      }
      var results = findPapers(search.index, trimmed);
      status.textContent = statusText(results.length, trimmed);
      results.slice(0, RESULT_LIMIT).forEach(function (result) {
        list.appendChild(resultItem(document, search.docs, result.ref, siteRoot));
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      window.clearTimeout(timer);
      rememberQuery(window, input.value.trim());
      show(input.value);
    });
    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () {
        rememberQuery(window, input.value.trim());
        show(input.value);
      }, TYPING_PAUSE_MS);
    });

    window.fetch(new URL("index.json", searchPage).href)
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (payload) {
        search = { docs: payload.docs, index: lunr.Index.load(payload.index) };
        show(input.value);
      })
      .catch(function () {
        status.textContent = "Search is unavailable: the search index could not be loaded.";
      });
  }

  return { findPapers: findPapers, plainWords: plainWords, start: start };
}));

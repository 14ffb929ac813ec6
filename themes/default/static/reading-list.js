// The reading list's page (/reading-list/): the papers saved with ☆ in this browser, their BibTeX,
// and papers like them. It builds on reader.js (window.paperDigestReader), which every page loads
// before this file; pages other than this one do not load it.
(function () {
  "use strict";

  var reader = window.paperDigestReader;
  if (!reader || !reader.storage) { return; }  // no localStorage: the page's noscript note stands
  var element = reader.element;
  var longDate = reader.longDate;
  var readList = reader.readList;
  var writeList = reader.writeList;
  var isSaved = reader.isSaved;
  var saveToggle = reader.saveToggle;
  // This run's: it ends when the preview shows the page again in place (reader.js start), and
  // with it the fetches of saved papers' pages still under way.
  var lifetime = reader.lifetime;

  // --- The reading list page ---

  // "1 paper", "2 papers"; as the templates' count_of filter words it.
  function countOf(count, noun, plural) {
    return count + " " + (count === 1 ? noun : plural || noun + "s");
  }

  function savedItem(storage, entry) {
    var item = element("li", "paper-item");
    var main = element("div", "paper-main");
    var head = element("div", "paper-head");
    var link = element("a", "paper-title", entry.title);
    link.href = entry.url;
    var remove = element("button", "remove-saved", "Remove");
    remove.type = "button";
    remove.setAttribute("aria-label", "Remove from reading list: " + entry.title);
    remove.addEventListener("click", function () {
      writeList(storage, readList(storage).filter(function (other) { return other.slug !== entry.slug; }));
    });
    var heading = element("h2", "paper-heading");  // a screen reader goes from paper to paper
    heading.appendChild(link);
    head.appendChild(heading);
    head.appendChild(remove);
    main.appendChild(head);
    if (longDate(entry.day)) { main.appendChild(featuredLine(entry.day)); }
    item.appendChild(main);
    return item;
  }

  // "Featured August 18, 2025": the day saved with the paper, written as every page writes days.
  function featuredLine(iso) {
    var meta = element("div", "paper-meta");
    var featured = element("span", "", "Featured ");
    var day = element("time", "", longDate(iso));
    day.setAttribute("datetime", iso);
    featured.appendChild(day);
    meta.appendChild(featured);
    return meta;
  }

  function showReadingList(storage, root) {
    var list = readList(storage);
    var items = root.querySelector(".saved-list");
    var status = root.querySelector(".reading-list-status");
    var recommendations = root.querySelector(".recommendations");
    items.textContent = "";
    list.forEach(function (entry) { items.appendChild(savedItem(storage, entry)); });
    status.textContent = list.length ? countOf(list.length, "paper") + " saved."
      : "No papers saved yet. Save one with ☆ on any list or paper page.";
    root.querySelector(".export-bibtex").disabled = !list.length;
    if (recommendations) { recommendations.hidden = !list.length; }
  }

  // A page of this site, parsed, and the address it came from. Fails when the page cannot be
  // read: a paper deleted since it was saved answers 404, or this run ended. Only addresses on
  // this site are fetched (readList keeps no other).
  function fetchPage(url) {
    return fetch(url, { credentials: "same-origin", signal: lifetime }).then(function (response) {
      if (!response.ok) { throw new Error(response.status + " " + url); }
      return response.text().then(function (html) {
        return { document: new DOMParser().parseFromString(html, "text/html"), url: response.url };
      });
    });
  }

  // BibTeX comes from each paper's own page (the entry under "Cite"), so the export is the
  // exact entry the site shows.
  function fetchBibtex(entry) {
    return fetchPage(entry.url)
      .then(function (page) {
        var cite = page.document.getElementById("bibtex");
        if (!cite) { throw new Error("no BibTeX on " + entry.url); }
        return cite.textContent;
      })
      .catch(function () {
        return "% " + entry.title.replace(/[\r\n]+/g, " ") + " (" + entry.url + "): no longer on this site";
      });
  }

  // use, to be called with what this run's fetches brought, unless the run ended meanwhile: then
  // they were cut short and stand for nothing (not papers gone from the site), and the page shown
  // is another.
  function whileRunning(use) {
    return function (value) {
      if (!lifetime.aborted) { use(value); }
    };
  }

  function download(text, filename) {
    var link = element("a");
    link.href = URL.createObjectURL(new Blob([text], { type: "application/x-bibtex" }));
    link.download = filename;
    document.body.appendChild(link);
    link.click();
    link.remove();
    setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
  }

  function exportBibtex(storage, root) {
    var status = root.querySelector(".reading-list-status");
    var list = readList(storage);
    status.textContent = "Preparing BibTeX for " + countOf(list.length, "paper") + "…";
    Promise.all(list.map(fetchBibtex)).then(whileRunning(function (entries) {
      download(entries.join("\n\n") + "\n", "reading-list.bib");
      status.textContent = "Downloaded reading-list.bib with " + countOf(entries.length, "entry", "entries") + ".";
    }));
  }

  // --- Papers like the saved ones ---

  // Every paper's page lists its related papers (generator/build/related.py). Suggested are the
  // papers that most of the saved papers' pages list, and no saved one. Each saved paper read is a
  // page to download (~3 KB gzipped), so they are read when the reader asks, and only the newest.
  var RECOMMEND_FROM = 20;  // the most recently saved papers whose pages are read
  var RECOMMEND_SHOWN = 10;
  var RELATED_ITEMS = ".related-list > li";  // themes/default/templates/_macros.html related_item

  // The paper's slug: the last part of its address (generator/build/urls.py paper_url).
  function slugOfPath(path) {
    return path.replace(/\/$/, "").split("/").pop();
  }

  // The pages of the most recently saved papers, newest first: {entry, page}, page null when it
  // could not be read.
  function readSavedPages(list) {
    return Promise.all(list.slice(-RECOMMEND_FROM).reverse().map(function (entry) {
      return fetchPage(entry.url).then(
        function (page) { return { entry: entry, page: page }; },
        function () { return { entry: entry, page: null }; });
    }));
  }

  // Each paper the pages list and the reader has not saved: its line on the first page that lists
  // it, the saved papers that list it and its best place in their lists (0 the top).
  function candidatesFrom(pages, list) {
    var found = new Map();
    pages.forEach(function (read) {
      if (!read.page) { return; }
      read.page.document.querySelectorAll(RELATED_ITEMS).forEach(function (item, place) {
        var link = item.querySelector("a[href]");
        var address = link && new URL(link.getAttribute("href"), read.page.url);
        if (!address || address.origin !== location.origin) { return; }
        var slug = slugOfPath(address.pathname);
        if (isSaved(list, slug)) { return; }
        if (!found.has(slug)) {
          found.set(slug, { slug: slug, url: address.pathname, item: item, listedBy: [], place: place });
        }
        var candidate = found.get(slug);
        candidate.listedBy.push(read.entry);
        candidate.place = Math.min(candidate.place, place);
      });
    });
    return Array.from(found.values());
  }

  // Listed by the most saved papers first, then by the best place; then as first met, the newest
  // saved paper's list first (the sort is stable).
  function bestCandidates(candidates) {
    return candidates.sort(function (one, other) {
      return other.listedBy.length - one.listedBy.length || one.place - other.place;
    }).slice(0, RECOMMEND_SHOWN);
  }

  function reasonFor(candidate) {
    var count = candidate.listedBy.length;
    return count === 1 ? "Related to “" + candidate.listedBy[0].title + "”"
      : "Related to " + count + " of your saved papers";
  }

  // The paper's line as the saved paper's page shows it (this site's own markup, imported into
  // this page), why it is suggested, and its ☆ toggle. A title with math carries its plain text
  // (data-title): the text of its MathML is not what a reader reads.
  function recommendedItem(candidate) {
    var item = document.importNode(candidate.item, true);
    var link = item.querySelector("a[href]");
    var day = item.querySelector("time[datetime]");
    link.setAttribute("href", candidate.url);
    item.appendChild(element("p", "recommended-reason", reasonFor(candidate)));
    item.appendChild(saveToggle({ slug: candidate.slug, title: link.dataset.title || link.textContent.trim(),
      url: candidate.url, day: day ? day.getAttribute("datetime") : "" }));
    return item;
  }

  // "your saved papers", or "your 20 most recently saved papers" when those are not all.
  function savedPapersRead(count, saved) {
    return count < saved ? "your " + count + " most recently saved papers" : "your saved papers";
  }

  function recommendationsStatus(shown, pages, saved) {
    var from = savedPapersRead(pages.length, saved);
    var unread = pages.filter(function (read) { return !read.page; }).length;
    if (unread === pages.length) {
      return "None of " + from + " could be read: no longer on this site, or the connection failed.";
    }
    var found = shown ? countOf(shown, "paper") + " related to " + from + "."
      : "No papers to suggest: the papers related to " + from + " are all saved already.";
    return found + (unread ? " " + countOf(unread, "saved paper") + " could not be read (no longer on this " +
      "site, or the connection failed) and " + (unread === 1 ? "was" : "were") + " skipped." : "");
  }

  function showRecommendations(storage, section) {
    var button = section.querySelector(".show-recommendations");
    var status = section.querySelector(".recommendations-status");
    var items = section.querySelector(".recommended-list");
    var list = readList(storage);
    button.disabled = true;
    status.textContent = "Reading " + savedPapersRead(Math.min(list.length, RECOMMEND_FROM), list.length) + "…";
    readSavedPages(list).then(whileRunning(function (pages) {
      var shown = bestCandidates(candidatesFrom(pages, readList(storage)));  // saved meanwhile: left out too
      items.textContent = "";
      shown.forEach(function (candidate) { items.appendChild(recommendedItem(candidate)); });
      status.textContent = recommendationsStatus(shown.length, pages, list.length);
      button.disabled = false;
    }));
  }

  function startReadingListPage(storage) {
    var root = document.querySelector("[data-reading-list]");
    if (!root) { return; }
    root.hidden = false;
    showReadingList(storage, root);
    root.querySelector(".export-bibtex").addEventListener("click", function () { exportBibtex(storage, root); });
    var recommendations = root.querySelector(".recommendations");
    if (recommendations) {
      recommendations.querySelector(".show-recommendations").addEventListener("click", function () {
        showRecommendations(storage, recommendations);
      });
    }
    window.addEventListener(reader.listChanged, function () { showReadingList(storage, root); }, { signal: lifetime });
    window.addEventListener("storage", function (event) {
      if (event.key === reader.listKey) { showReadingList(storage, root); }
    }, { signal: lifetime });
  }

  startReadingListPage(reader.storage);
}());

// Reading state for one reader, kept in this browser only (localStorage; nothing is sent anywhere):
// the reading list (the ☆ toggles and the /reading-list/ page), the "new since your last visit"
// markers, and the topic filter of day lists. Every page works without this file: the toggles and
// the filter stay hidden and every paper shows.
(function () {
  "use strict";

  var LIST_KEY = "paper-digest:reading-list";
  var SEEN_KEY = "paper-digest:last-seen-day";
  // The visit: the newest day seen before it began, and when a page was last opened. Pages opened
  // less than VISIT_GAP_MS apart belong to one visit, so a reload, the next page or a new tab still
  // marks what was new when the visit began.
  var VISIT_KEY = "paper-digest:visit";
  var VISIT_GAP_MS = 30 * 60 * 1000;

  // localStorage may be missing or refuse access (private modes, blocked cookies): then
  // nothing is remembered and the page behaves as without JavaScript.
  function localStore() {
    try {
      var storage = window.localStorage;
      storage.getItem(LIST_KEY);
      return storage;
    } catch (error) {
      return null;
    }
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  // --- The reading list ---

  function isEntry(entry) {
    return entry && typeof entry.slug === "string" && typeof entry.title === "string" &&
      typeof entry.url === "string" && isSitePath(entry.url);
  }

  // Only paths on this site as the browser reads them: "/x", never "//host", "/\host" or
  // "/<tab>/host" (browsers drop tabs and line breaks from addresses), all read as another host.
  function isSitePath(url) {
    try {
      return url.charAt(0) === "/" && new URL(url, location.href).origin === location.origin;
    } catch (error) {
      return false;
    }
  }

  function readList(storage) {
    try {
      var saved = JSON.parse(storage.getItem(LIST_KEY) || "[]");
      return Array.isArray(saved) ? saved.filter(isEntry) : [];
    } catch (error) {
      return [];
    }
  }

  // Other tabs learn of a change from the "storage" event; this tab's reading list page (a paper
  // saved from its recommendations) from this one.
  var LIST_CHANGED = "paper-digest:reading-list-changed";

  function writeList(storage, list) {
    try {
      storage.setItem(LIST_KEY, JSON.stringify(list));
    } catch (error) {
      return;  // storage full or refused: the list stays as it was
    }
    window.dispatchEvent(new Event(LIST_CHANGED));
  }

  function isSaved(list, slug) {
    return list.some(function (entry) { return entry.slug === slug; });
  }

  function entryOf(button) {
    return { slug: button.dataset.slug, title: button.dataset.title, url: button.dataset.url, day: button.dataset.day };
  }

  function showSaved(button, saved) {
    button.setAttribute("aria-pressed", saved ? "true" : "false");
    button.querySelector(".save-icon").textContent = saved ? "★" : "☆";
    var label = button.querySelector(".save-label");
    if (label) { label.textContent = saved ? "Saved to reading list" : "Save to reading list"; }
  }

  function toggleSaved(storage, button) {
    var list = readList(storage);
    var slug = button.dataset.slug;
    var saved = !isSaved(list, slug);
    list = saved ? list.concat([entryOf(button)]) : list.filter(function (entry) { return entry.slug !== slug; });
    writeList(storage, list);
    showSaved(button, saved);
  }

  var SAVE_TOGGLE = "button.save-toggle";

  // The ☆ toggle of rows made in the browser (search results, recommendations), as
  // themes/default/templates/_macros.html save_button makes it: hidden until showToggles.
  function saveToggle(entry) {
    var button = element("button", "save-toggle");
    button.type = "button";
    button.hidden = true;
    button.setAttribute("aria-pressed", "false");
    ["slug", "title", "url", "day"].forEach(function (key) { button.dataset[key] = entry[key]; });
    var icon = element("span", "save-icon", "\u2606");
    icon.setAttribute("aria-hidden", "true");
    button.append(icon, element("span", "visually-hidden", "Save to reading list: " + entry.title));
    return button;
  }

  // Shows the toggles in root (itself included), each as saved or not.
  function showToggles(storage, root) {
    var toggles = Array.prototype.slice.call(root.querySelectorAll(SAVE_TOGGLE));
    if (root.matches(SAVE_TOGGLE)) { toggles.push(root); }
    if (!toggles.length) { return; }
    var list = readList(storage);
    toggles.forEach(function (button) {
      showSaved(button, isSaved(list, button.dataset.slug));
      button.hidden = false;
    });
  }

  // Rows added after the page loaded (search results) get working toggles too: clicks are taken
  // on the body, and added toggles are shown as they come. On the body, not the document: the
  // preview's live reload puts a new body in place and runs this script again, and the old
  // body's listener goes with it, so a click never toggles twice.
  function startSaveToggles(storage, lifetime) {
    var body = document.body;
    showToggles(storage, body);
    body.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest(SAVE_TOGGLE);
      if (button) { toggleSaved(storage, button); }
    });
    new MutationObserver(function (changes) {
      changes.forEach(function (change) {
        change.addedNodes.forEach(function (node) {
          if (node.nodeType === Node.ELEMENT_NODE) { showToggles(storage, node); }
        });
      });
    }).observe(body, { childList: true, subtree: true });
    // Back and Forward may show a page as it was left, its toggles as the list was then: a paper
    // saved meanwhile would show ☆, and its next click unsave it.
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) { showToggles(storage, document.body); }
    }, { signal: lifetime });
  }

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
    if (entry.day) {
      var meta = element("div", "paper-meta");
      var featured = element("span", "", "Featured ");
      var day = element("time", "", entry.day);
      day.setAttribute("datetime", entry.day);
      featured.appendChild(day);
      meta.appendChild(featured);
      main.appendChild(meta);
    }
    item.appendChild(main);
    return item;
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
  // read: a paper deleted since it was saved answers 404. Only addresses on this site are
  // fetched (readList keeps no other).
  function fetchPage(url) {
    return fetch(url, { credentials: "same-origin" }).then(function (response) {
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
    Promise.all(list.map(fetchBibtex)).then(function (entries) {
      download(entries.join("\n\n") + "\n", "reading-list.bib");
      status.textContent = "Downloaded reading-list.bib with " + countOf(entries.length, "entry", "entries") + ".";
    });
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
    readSavedPages(list).then(function (pages) {
      var shown = bestCandidates(candidatesFrom(pages, readList(storage)));  // saved meanwhile: left out too
      items.textContent = "";
      shown.forEach(function (candidate) { items.appendChild(recommendedItem(candidate)); });
      status.textContent = recommendationsStatus(shown.length, pages, list.length);
      button.disabled = false;
    });
  }

  function startReadingListPage(storage, lifetime) {
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
    window.addEventListener(LIST_CHANGED, function () { showReadingList(storage, root); }, { signal: lifetime });
    window.addEventListener("storage", function (event) {
      if (event.key === LIST_KEY) { showReadingList(storage, root); }
    }, { signal: lifetime });
  }

  // --- New since the last visit ---

  // Days are ISO dates (YYYY-MM-DD), so comparing the strings compares the days.
  function newestDayOnPage() {
    var newest = "";
    document.querySelectorAll("[data-day]").forEach(function (node) {
      if (node.dataset.day > newest) { newest = node.dataset.day; }
    });
    return newest;
  }

  function readVisit(storage) {
    try {
      var visit = JSON.parse(storage.getItem(VISIT_KEY) || "null");
      return visit && typeof visit.before === "string" && typeof visit.at === "number" ? visit : null;
    } catch (error) {
      return null;
    }
  }

  function seenBeforeVisit(storage) {
    var now = Date.now();
    var visit = readVisit(storage);
    if (!visit || now - visit.at > VISIT_GAP_MS || visit.at > now) {
      visit = { before: storage.getItem(SEEN_KEY) || "", at: now };
    }
    visit.at = now;
    try { storage.setItem(VISIT_KEY, JSON.stringify(visit)); } catch (error) { /* not remembered */ }
    return visit.before;
  }

  function markNew(node) {
    node.classList.add("is-new");
    var badge = element("span", "new-badge", "New");
    var head = node.querySelector(".paper-head");
    if (head) {
      head.insertBefore(badge, head.firstChild);
    } else {
      node.appendChild(document.createTextNode(" "));
      node.appendChild(badge);
    }
  }

  // Marks rows and days newer than the newest day the reader had seen before this visit; a
  // first visit marks nothing. Lists of days (home, day pages) then count as seen; a topic's page
  // (data-new-markers="rows") shows only some of a day's papers, so it marks them and no more.
  function startNewMarkers(storage) {
    var rows = document.querySelectorAll(".paper-list > .paper-item[data-day], .day-list > li[data-day]");
    var markers = document.querySelector("[data-new-markers]");
    if (!rows.length || !markers) { return; }
    var seen = seenBeforeVisit(storage);
    if (seen) {
      rows.forEach(function (row) { if (row.dataset.day > seen) { markNew(row); } });
    }
    var newest = newestDayOnPage();
    if (markers.dataset.newMarkers !== "rows" && newest > (storage.getItem(SEEN_KEY) || "")) {
      try { storage.setItem(SEEN_KEY, newest); } catch (error) { /* not remembered */ }
    }
  }

  // --- The topic filter ---

  // The chosen topics are kept in the page's address (/dates/2025-08-18/?topics=vision+robotics),
  // so that a filtered day can be shared, bookmarked and reloaded as it is.
  var TOPICS_PARAM = "topics";

  function topicsInAddress() {
    var value = new URLSearchParams(window.location.search).get(TOPICS_PARAM);
    return value ? value.split(" ") : [];
  }

  function rememberTopics(chosen) {
    var address = new URL(window.location.href);
    if (chosen.length) {
      address.searchParams.set(TOPICS_PARAM, chosen.join(" "));
    } else {
      address.searchParams.delete(TOPICS_PARAM);
    }
    window.history.replaceState(window.history.state, "", address.pathname + address.search + address.hash);
  }

  function startTopicFilter(filter) {
    var list = document.getElementById(filter.dataset.filterList);
    if (!list) { return; }
    var rows = Array.prototype.slice.call(list.querySelectorAll(":scope > .paper-item"));
    var boxes = Array.prototype.slice.call(filter.querySelectorAll("input[type=checkbox]"));
    var reset = filter.querySelector(".filter-reset");
    var summary = filter.querySelector(".filter-summary");
    var status = document.querySelector("[data-filter-status='" + filter.dataset.filterList + "']");

    function apply() {
      var chosen = boxes.filter(function (box) { return box.checked; }).map(function (box) { return box.value; });
      var shown = 0;
      rows.forEach(function (row) {
        var topics = (row.dataset.topics || "").split(" ");
        var visible = !chosen.length || chosen.some(function (slug) { return topics.indexOf(slug) !== -1; });
        row.hidden = !visible;
        if (visible) { shown += 1; }
      });
      reset.disabled = !chosen.length;
      summary.textContent = chosen.length ? "(" + chosen.length + " chosen)" : "";
      status.textContent = chosen.length ? "Showing " + shown + " of " + rows.length + " papers." : "";
      rememberTopics(chosen);
    }

    boxes.forEach(function (box) { box.addEventListener("change", apply); });
    reset.addEventListener("click", function () {
      boxes.forEach(function (box) { box.checked = false; });
      apply();
    });
    var wanted = topicsInAddress();
    if (wanted.length) {
      boxes.forEach(function (box) { box.checked = wanted.indexOf(box.value) !== -1; });
      filter.open = true;  // the reader sees why some papers are hidden
    }
    filter.hidden = false;
    apply();  // a checkbox the browser restored on "back" applies at once
  }

  // --- "/" to search, as on most sites that have a search box ---

  function isTyping(target) {
    return target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName);
  }

  // This page's search box, or else the search page (whose box has focus on load). On the body,
  // like the save toggles' clicks, so that the preview's reload does not add a second listener.
  function startSearchKey() {
    document.body.addEventListener("keydown", function (event) {
      if (event.key !== "/" || event.ctrlKey || event.metaKey || event.altKey || isTyping(event.target)) { return; }
      var box = document.querySelector("input[type=search]");
      var searchPage = document.querySelector("a[rel~=search]");
      if (!box && !searchPage) { return; }
      event.preventDefault();
      if (box) {
        box.focus();
        box.select();
      } else {
        window.location.assign(searchPage.href);
      }
    });
  }

  // `digest serve` shows a rebuilt page in place and runs this script again on the same window
  // (generator/preview/reload.js), as search.js's start() says: the run before ends first, its
  // window listeners with it, or each would go on acting on a page no longer shown.
  var READER_RUN = "paperDigestReaderRun";

  function start() {
    if (window[READER_RUN]) { window[READER_RUN].abort(); }
    var thisRun = window[READER_RUN] = new AbortController();
    startSearchKey();
    document.querySelectorAll(".topic-filter[data-filter-list]").forEach(startTopicFilter);
    var storage = localStore();
    if (!storage) { return; }
    document.querySelectorAll(".needs-script").forEach(function (node) { node.hidden = false; });
    startSaveToggles(storage, thisRun.signal);
    startReadingListPage(storage, thisRun.signal);
    startNewMarkers(storage);
  }

  // search.js makes its results' toggles with this one (without this file they would stay hidden).
  window.paperDigestReader = { saveToggle: saveToggle };
  start();
}());

// Reading state for one reader, kept in this browser only (localStorage; nothing is sent anywhere):
// the reading list's ☆ toggles (its page is reading-list.js's, which builds on this file), the
// "new since your last visit" markers, and the topic filter of day lists. Every page works without
// this file: the toggles and the filter stay hidden and every paper shows.
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

  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"];

  // "2025-08-18" -> "August 18, 2025", as every page writes a day (generator/build/render.py
  // long_date, and search.js longDate, which runs without this file), a year before 1000 with its
  // zeros ("February 1, 0001"); "" when iso is no day (a list entry edited by hand). Not
  // Intl.DateTimeFormat: it writes year 1 as "1" and takes "2025-02-30" for March 2.
  function longDate(iso) {
    var parts = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
    if (!parts || !isDay(Number(parts[1]), Number(parts[2]), Number(parts[3]))) { return ""; }
    return MONTHS[Number(parts[2]) - 1] + " " + Number(parts[3]) + ", " + parts[1];
  }

  // setUTCFullYear, not Date.UTC, which reads years 0-99 as 1900-1999.
  function isDay(year, month, day) {
    var date = new Date(0);
    date.setUTCFullYear(year, month - 1, day);
    return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
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

  // The chosen topics are kept in the page's address (/dates/2025-08-18/?topics=3d-vision+robotics-embodied),
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
    var storage = localStore();
    // What the scripts of single pages build on, this run's: search.js (its results' toggles; without
    // this file they would stay hidden) and reading-list.js (the reading list's page).
    window.paperDigestReader = { saveToggle: saveToggle, element: element, longDate: longDate, readList: readList,
      writeList: writeList, isSaved: isSaved, listKey: LIST_KEY, listChanged: LIST_CHANGED, storage: storage,
      lifetime: thisRun.signal };
    startSearchKey();
    document.querySelectorAll(".topic-filter[data-filter-list]").forEach(startTopicFilter);
    if (!storage) { return; }
    document.querySelectorAll(".needs-script").forEach(function (node) { node.hidden = false; });
    startSaveToggles(storage, thisRun.signal);
    startNewMarkers(storage);
  }

  start();
}());

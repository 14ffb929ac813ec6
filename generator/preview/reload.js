// Live reload for `digest serve`. The preview server adds this script to every
// HTML page it serves; published sites never contain it.
//
// The page knows the site version it was served at. Any event from the server
// means a new version (a rebuild, or a failed rebuild whose errors the server
// shows in an overlay on the page), so the page reloads; after a reconnect the
// "hello" event says whether anything was missed. The one exception is the
// "search-index" event, which follows a rebuild and matters to search pages only.
(function () {
  "use strict";
  var script = document.currentScript;
  var servedVersion = script ? script.getAttribute("data-digest-version") : null;

  function versionOf(event) {
    try {
      return JSON.parse(event.data).version;
    } catch (error) {
      return null;
    }
  }

  function listen() {
    // The page's path tells the server which pages are open: it writes those first after an edit.
    var source = new EventSource("/__digest/events?page=" + encodeURIComponent(window.location.pathname));

    function reload() {
      source.close();
      window.location.reload();
    }

    source.addEventListener("hello", function (event) {
      if (servedVersion && versionOf(event) !== servedVersion) {
        reload();
      }
    });
    source.addEventListener("reload", reload);
    // The search index is rewritten just after the pages; only a search page needs it.
    source.addEventListener("search-index", function () {
      if (window.location.pathname.indexOf("/search/") === 0) {
        reload();
      }
    });
    source.addEventListener("build-error", reload);
  }

  // The server's work after a reload (the other pages, the search index) waits until the
  // reloaded page listens again: listening once the page has painted keeps that work off its
  // first paint. A page that paints nothing (or a browser that does not report it) listens
  // after LISTEN_LATEST_MS; a hidden tab paints nothing and listens at once.
  var LISTEN_LATEST_MS = 500;
  var listening = false;
  function listenOnce() {
    if (!listening) {
      listening = true;
      listen();
    }
  }
  if (document.hidden || typeof PerformanceObserver === "undefined") {
    listenOnce();
  } else {
    try {
      new PerformanceObserver(listenOnce).observe({ type: "paint", buffered: true });
    } catch (error) {
      listenOnce();
    }
    window.setTimeout(listenOnce, LISTEN_LATEST_MS);
  }
})();

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
  // The page's path tells the server which pages are open: it writes those first after an edit.
  var source = new EventSource("/__digest/events?page=" + encodeURIComponent(window.location.pathname));

  function versionOf(event) {
    try {
      return JSON.parse(event.data).version;
    } catch (error) {
      return null;
    }
  }

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
})();

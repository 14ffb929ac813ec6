// Live reload for `digest serve`. The preview server adds this script to every
// HTML page it serves; published sites never contain it.
//
// The page knows the site version it was served at. Any event from the server
// means a new version (a rebuild, or a failed rebuild whose errors the server
// shows in an overlay on the page), so the page shows the new version; after a
// reconnect the "hello" event says whether anything was missed. The one
// exception is the "search-index" event, which follows a rebuild and matters to
// search pages only.
//
// The new version is shown in place: the page is fetched, its body replaces the
// old one and its scripts run again, as a navigation would run them. That skips
// the browser's navigation (100-150 ms from a reload to the first paint in
// headless Chromium on a 2-core machine) and keeps the scroll position. The page
// reloads instead when its stylesheets, its scripts or its <html> element's
// attributes changed, when a file it shows under the same address changed (an
// image), when it is no longer an HTML page (deleted: the 404 page), or when
// anything fails.
(function () {
  "use strict";
  var script = document.currentScript;
  var scriptPath = script ? new URL(script.src).pathname : null;
  var servedVersion = script ? script.getAttribute("data-digest-version") : null;
  var source = null;

  function dataOf(event) {
    try {
      return JSON.parse(event.data);
    } catch (error) {
      return {};
    }
  }

  // Whether the page may take a newer version in place. Not when a file it shows under the same
  // address (an image in static/) changed since it was served: the browser keeps its images by
  // address for as long as the page lives, so only a reload shows the new one. Nor when another
  // server made the page (a restart): files may have changed meanwhile.
  function mayShowInPlace(data) {
    var served = String(servedVersion).split("-");
    var from = String(data.whole_from).split("-");
    return served[0] === from[0] && Number(served[1]) >= Number(from[1]);
  }

  function showNewVersion(event) {
    if (mayShowInPlace(dataOf(event))) {
      update();
    } else {
      reload();
    }
  }

  function reload() {
    stopListening();
    window.location.reload();
  }

  function stopListening() {
    if (source) {
      source.close();
      source = null;
    }
  }

  // --- In place -------------------------------------------------------------------------

  function isReloadScript(node) {
    return node.src && new URL(node.src, window.location.href).pathname === scriptPath;
  }

  var HEAD_ASSETS = "link[rel~=stylesheet], script";

  // What the page loads: its stylesheets and scripts, the reload script left out (its version
  // changes with every build). A page loading other files is reloaded whole.
  function assets(doc) {
    var nodes = Array.prototype.slice.call(doc.head.querySelectorAll(HEAD_ASSETS))
      .concat(Array.prototype.slice.call(doc.body.querySelectorAll("script")));
    return nodes.filter(function (node) { return !isReloadScript(node); })
      .map(function (node) { return node.outerHTML; }).join("\n");
  }

  // The <html> element is not replaced with the body: its attributes (lang, a class a template
  // sets) differing, the page is loaded whole. Those of the open page include what its scripts
  // set there, so a theme whose scripts set one reloads whole on every edit rather than lose it.
  function rootAttributes(doc) {
    return Array.prototype.map.call(doc.documentElement.attributes, function (attribute) {
      return attribute.name + "=" + JSON.stringify(attribute.value);
    }).sort().join(" ");
  }

  function isAssetInHead(node) {
    return node.nodeType === Node.ELEMENT_NODE && node.matches(HEAD_ASSETS);
  }

  // The head's other nodes (title, description, canonical link) are replaced; its stylesheets
  // and scripts are the same and stay, so nothing is fetched or run again for them.
  function replaceHead(next) {
    Array.prototype.slice.call(document.head.childNodes).forEach(function (node) {
      if (!isAssetInHead(node)) { node.remove(); }
    });
    Array.prototype.slice.call(next.head.childNodes).forEach(function (node) {
      if (!isAssetInHead(node)) { document.head.appendChild(document.adoptNode(node)); }
    });
  }

  // Scripts parsed from fetched text never run: each is replaced by a copy that does, in order.
  function runScripts(body) {
    Array.prototype.slice.call(body.querySelectorAll("script")).forEach(function (old) {
      if (isReloadScript(old)) { return; }
      var fresh = document.createElement("script");
      Array.prototype.forEach.call(old.attributes, function (attribute) {
        fresh.setAttribute(attribute.name, attribute.value);
      });
      fresh.async = false;
      fresh.textContent = old.textContent;
      old.replaceWith(fresh);
    });
  }

  function newVersionIn(next) {
    var scripts = next.querySelectorAll("script[data-digest-version]");
    return scripts.length ? scripts[scripts.length - 1].getAttribute("data-digest-version") : null;
  }

  function showInPlace(text) {
    var next = new DOMParser().parseFromString(text, "text/html");
    if (!next.body || assets(next) !== assets(document) || rootAttributes(next) !== rootAttributes(document)) {
      return false;
    }
    servedVersion = newVersionIn(next) || servedVersion;
    replaceHead(next);
    var body = document.adoptNode(next.body);
    document.body.replaceWith(body);
    runScripts(body);
    return true;
  }

  function update() {
    stopListening();
    if (typeof fetch === "undefined" || typeof DOMParser === "undefined") {
      reload();
      return;
    }
    fetch(window.location.href, { cache: "no-store", credentials: "same-origin" })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (!response.ok || type.indexOf("text/html") !== 0) { throw new Error("not the page"); }
        return response.text();
      })
      .then(function (text) {
        if (!showInPlace(text)) { throw new Error("other stylesheets, scripts or <html> attributes"); }
        // Listening again tells the server this page has its new version: its work after a
        // reload starts then, once the new body has painted.
        afterNextPaint(function () {
          performance.mark("digest-updated");
          listen();
        });
      })
      .catch(reload);
  }

  // A hidden tab (one in the background) paints nothing and runs no animation frame until it is
  // shown again, and its timers are slowed to one a second: it goes on at once. Waiting, it would
  // not listen again, and the server's work for other pages would wait for it (RELOAD_GRACE_SECONDS).
  function afterNextPaint(callback) {
    if (document.hidden) {
      callback();
      return;
    }
    window.requestAnimationFrame(function () { window.setTimeout(callback, 0); });
  }

  // --- Listening ------------------------------------------------------------------------

  function listen() {
    // The page's path tells the server which pages are open: it writes those first after an edit.
    source = new EventSource("/__digest/events?page=" + encodeURIComponent(window.location.pathname));
    source.addEventListener("hello", function (event) {
      if (servedVersion && dataOf(event).version !== servedVersion) {
        showNewVersion(event);
      }
    });
    source.addEventListener("reload", showNewVersion);
    // The search index is rewritten just after the pages; only a search page needs it.
    source.addEventListener("search-index", function () {
      if (window.location.pathname.indexOf("/search/") === 0) {
        reload();
      }
    });
    source.addEventListener("build-error", showNewVersion);
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

// Live updates (issue #17). A region that should follow changes as they happen is an
// htmx fragment with hx-trigger="every 30s, live" and data-live-socket="/ws/...": this
// script opens one WebSocket per distinct data-live-socket and, whenever the server
// announces a change there, fires a `live` event on those regions, so that htmx fetches
// them again. Without this script or without sockets the regions still poll every 30 s.
(function () {
  "use strict";
  if (!window.WebSocket) {
    return;
  }
  var REFUSED = 4403; // not for this visitor: never retried
  var NOTHING_MORE = 1000; // e.g. a cancelled appointment: nothing more will come
  var sockets = {}; // path -> {socket, failures, timer, open}

  function regions(path) {
    return Array.prototype.filter.call(
      document.querySelectorAll("[data-live-socket]"),
      function (element) {
        return element.getAttribute("data-live-socket") === path;
      }
    );
  }

  // data-live-open marks the regions whose socket is open (for styles and tests).
  function mark(path, open) {
    regions(path).forEach(function (element) {
      if (open) {
        element.setAttribute("data-live-open", "");
      } else {
        element.removeAttribute("data-live-open");
      }
    });
  }

  function refresh(path) {
    // Spread the refetches of many open pages over a few hundred milliseconds.
    regions(path).forEach(function (element) {
      window.setTimeout(function () {
        if (element.isConnected) {
          element.dispatchEvent(new CustomEvent("live", { bubbles: false }));
        }
      }, Math.random() * 300);
    });
  }

  function open(path) {
    var entry = sockets[path] || (sockets[path] = { failures: 0, timer: null, open: false });
    var scheme = window.location.protocol === "https:" ? "wss://" : "ws://";
    var socket;
    try {
      socket = new WebSocket(scheme + window.location.host + path);
    } catch (error) {
      return;
    }
    entry.socket = socket;
    socket.addEventListener("open", function () {
      // After a drop, changes may have been missed meanwhile: fetch once now.
      if (entry.failures > 0) {
        refresh(path);
      }
      entry.failures = 0;
      entry.open = true;
      mark(path, true);
    });
    socket.addEventListener("message", function (event) {
      var message;
      try {
        message = JSON.parse(event.data);
      } catch (error) {
        return;
      }
      if (message && typeof message.type === "string") {
        refresh(path);
      }
    });
    socket.addEventListener("close", function (event) {
      entry.open = false;
      if (sockets[path] !== entry || entry.closing) {
        return;
      }
      mark(path, false);
      if (event.code === REFUSED || event.code === NOTHING_MORE) {
        entry.done = true;
        return;
      }
      // Try again after 1, 2, 4 ... up to 30 seconds, each with some jitter.
      var delay = Math.min(30000, 1000 * Math.pow(2, entry.failures));
      entry.failures += 1;
      entry.timer = window.setTimeout(function () {
        entry.timer = null;
        if (sockets[path] === entry && regions(path).length) {
          open(path);
        }
      }, delay / 2 + (Math.random() * delay) / 2);
    });
  }

  // Open a socket for each path on the page, close those no region needs any more.
  function reconcile() {
    var wanted = {};
    document.querySelectorAll("[data-live-socket]").forEach(function (element) {
      var path = element.getAttribute("data-live-socket");
      if (/^\/ws\/[\w\/-]*$/.test(path)) {
        wanted[path] = true;
      }
    });
    Object.keys(wanted).forEach(function (path) {
      if (!sockets[path]) {
        open(path);
      } else {
        // A region swapped in by htmx: say whether its socket is open.
        mark(path, sockets[path].open);
      }
    });
    Object.keys(sockets).forEach(function (path) {
      if (!wanted[path]) {
        var entry = sockets[path];
        delete sockets[path];
        entry.closing = true;
        if (entry.timer) {
          window.clearTimeout(entry.timer);
        }
        if (entry.socket) {
          entry.socket.close();
        }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", reconcile);
  // htmx swapped a fragment in: it may carry a new path, or none any more.
  document.addEventListener("htmx:afterSettle", reconcile);
})();

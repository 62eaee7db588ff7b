/* secondop's service worker.
 *
 * The server prepends `self.SECONDOP = {version, precache, offlineUrl}` when it serves this file, so that
 * a release with new asset names is a new worker (the browser updates it) with a cache of its own.
 *
 * - The shell (CSS, JS, icons, the offline page) is precached at install.
 * - Pages are network-first: each page opened is kept, and shown from the cache when the network fails,
 *   marked with the time it was saved; a page never opened falls back to the offline page.
 * - htmx partials (HX-Request) and anything that is not a GET go straight to the network.
 */
/* global self, caches, fetch, Response, URL */
"use strict";

var CONFIG = self.SECONDOP;
var SHELL_CACHE = "secondop-shell-" + CONFIG.version;
var PAGE_CACHE = "secondop-pages-v1";
var SAVED_AT_HEADER = "X-Secondop-Saved-At";

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches
      .open(SHELL_CACHE)
      .then(function (cache) {
        return cache.addAll(CONFIG.precache.concat([CONFIG.offlineUrl]));
      })
      .then(function () {
        return self.skipWaiting();
      })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf("secondop-shell-") === 0 && name !== SHELL_CACHE;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .then(function () {
        return self.clients.claim();
      })
  );
});

function withSavedAt(response) {
  var headers = new Headers(response.headers);
  headers.set(SAVED_AT_HEADER, new Date().toISOString());
  return response.blob().then(function (body) {
    return new Response(body, { status: response.status, statusText: response.statusText, headers: headers });
  });
}

function markedAsOffline(cached) {
  var savedAt = cached.headers.get(SAVED_AT_HEADER) || "";
  return cached.text().then(function (html) {
    var marked = html.replace("<html ", '<html data-offline-saved-at="' + savedAt + '" ');
    var headers = new Headers(cached.headers);
    headers.delete("Content-Length");
    return new Response(marked, { status: 200, headers: headers });
  });
}

function handleNavigation(event) {
  var request = event.request;
  return fetch(request)
    .then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      var noStore = (response.headers.get("Cache-Control") || "").indexOf("no-store") !== -1;
      // Only pages: never a download (an export, a calendar file) or anything marked no-store.
      if (response.ok && response.type === "basic" && !response.redirected && type.indexOf("text/html") === 0 && !noStore) {
        // Keep the worker alive until the copy is saved, or the browser may stop it half-way.
        event.waitUntil(
          withSavedAt(response.clone()).then(function (stamped) {
            return caches.open(PAGE_CACHE).then(function (cache) {
              return cache.put(request.url, stamped);
            });
          })
        );
      }
      return response;
    })
    .catch(function () {
      return caches.open(PAGE_CACHE).then(function (cache) {
        return cache.match(request.url).then(function (cached) {
          if (cached) return markedAsOffline(cached);
          return caches.match(CONFIG.offlineUrl);
        });
      });
    });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.headers.get("HX-Request")) return;

  if (request.mode === "navigate") {
    event.respondWith(handleNavigation(event));
    return;
  }
  if (url.pathname.indexOf("/static/") === 0) {
    event.respondWith(
      caches.match(request).then(function (cached) {
        return cached || fetch(request);
      })
    );
  }
});

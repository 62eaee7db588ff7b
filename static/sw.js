/* secondop's service worker.
 *
 * The server prepends `self.SECONDOP = {version, precache, offlineUrl, outbox}` when it serves this file, so
 * that a release with new asset names is a new worker (the browser updates it) with a cache of its own.
 *
 * - The shell (CSS, JS, icons, the offline page) is precached at install.
 * - The first worker takes over at once. A new release waits while a page is open: the page shows "Update
 *   available — reload", and its button sends SKIP_WAITING; the page reloads when the new worker controls it.
 * - Pages are network-first: each page opened that the server marks `X-Secondop-Offline: keep` is kept,
 *   and shown from the cache when the network fails, marked with the time it was saved, for as long as the
 *   session that opened it could last (`keepSeconds`); any other page falls back to the offline page.
 * - htmx partials (HX-Request) and anything that is not a GET go straight to the network.
 * - Writes made offline wait in the outbox (static/js/outbox.js and outbox-replay.js, imported here); a
 *   Background Sync ("outbox", where the browser has it) replays them, as the pages do on `online` and at
 *   every start.
 * - Every push shows a notification (iOS and Chrome end the subscription of a worker that shows none), with
 *   Done and Remind me tomorrow; those two POST the payload's single-use action links without opening
 *   the app. A tap on the notification itself opens (or focuses) the app at the payload's page.
 * - Words: each language's JavaScript catalogue (/jsi18n/<lang>/, secondop/pwa/jsi18n.py) is precached
 *   with the shell and served from it, as the pages load their language's; the worker imports them too,
 *   for what it says itself (a notification's buttons and fallbacks), in the language of the pages last
 *   opened. Being imported, a release that changes one is a new worker, as one with new assets is.
 */
/* global self, caches, fetch, Request, Response, URL, Headers, importScripts */
"use strict";

var CONFIG = self.SECONDOP;
var SHELL_CACHE = "secondop-shell-" + CONFIG.version;
var PAGE_CACHE = "secondop-pages-v1";
var SAVED_AT_HEADER = "X-Secondop-Saved-At";
var KEEP_HEADER = "X-Secondop-Offline";
var SYNC_TAG = "outbox";

if (CONFIG.outbox) importScripts.apply(self, CONFIG.outbox);

// Each language's catalogue URL: the server's list, else the languages the app has (settings.LANGUAGES).
var CATALOGUES = CONFIG.catalogues || { en: "/jsi18n/en/", es: "/jsi18n/es/" };
var LANGUAGE_CACHE = "secondop-language";
var LANGUAGE_KEY = "/secondop-language";
var DEFAULT_LANGUAGE = "en";

function catalogueUrls() {
  return Object.keys(CATALOGUES).map(function (lang) {
    return CATALOGUES[lang];
  });
}

// The language whose catalogue this URL is, or null.
function catalogueLanguage(url) {
  return (
    Object.keys(CATALOGUES).filter(function (lang) {
      return new URL(CATALOGUES[lang], self.location.origin).pathname === url.pathname && !url.search;
    })[0] || null
  );
}

// Each catalogue loaded into an object of its own: a catalogue script makes a new `django` (with its own
// gettext) when the global scope has none. One that does not load says nothing: its texts stay English.
var TRANSLATIONS = {};
Object.keys(CATALOGUES).forEach(function (lang) {
  self.django = undefined;
  try {
    importScripts(CATALOGUES[lang]);
    if (self.django && typeof self.django.gettext === "function") TRANSLATIONS[lang] = self.django;
  } catch (error) {
    // Not reached when the worker was installed: English.
  }
  self.django = undefined;
});

function translator(lang) {
  var catalogue = TRANSLATIONS[lang];
  return function (msgid) {
    return catalogue ? catalogue.gettext(msgid) : msgid;
  };
}

// The language of the pages last opened on this phone (each loads its language's catalogue through this
// worker), kept for the notifications that come when none is open.
var pageLanguage = null;

function rememberLanguage(lang) {
  pageLanguage = lang;
  return caches
    .open(LANGUAGE_CACHE)
    .then(function (cache) {
      return cache.put(LANGUAGE_KEY, new Response(lang));
    })
    .catch(function () {});
}

function currentLanguage() {
  if (pageLanguage) return Promise.resolve(pageLanguage);
  return caches
    .match(LANGUAGE_KEY, { cacheName: LANGUAGE_CACHE })
    .then(function (kept) {
      return kept ? kept.text() : "";
    })
    .then(function (lang) {
      return pageLanguage || (CATALOGUES[lang] ? lang : DEFAULT_LANGUAGE);
    })
    .catch(function () {
      return DEFAULT_LANGUAGE;
    });
}

function precacheShell() {
  return caches.open(SHELL_CACHE).then(function (cache) {
    return cache.addAll(CONFIG.precache.concat([CONFIG.offlineUrl])).then(function () {
      // Fresh from the server (a release may have changed them), and never a reason to fail the install:
      // a page without its catalogue is shown in English, and the fetch below keeps it the next time.
      return Promise.all(
        catalogueUrls().map(function (url) {
          return cache.add(new Request(url, { cache: "no-cache" })).catch(function () {});
        })
      );
    });
  });
}

// A catalogue from the shell cache; one not there yet is fetched and kept.
function catalogueResponse(request) {
  return caches.match(request, { ignoreVary: true }).then(function (cached) {
    if (cached) return cached;
    return fetch(request).then(function (response) {
      if (response.ok) {
        var copy = response.clone();
        caches
          .open(SHELL_CACHE)
          .then(function (cache) {
            return cache.put(request, copy);
          })
          .catch(function () {});
      }
      return response;
    });
  });
}

self.addEventListener("install", function (event) {
  event.waitUntil(
    precacheShell().then(function () {
      // Only the very first worker starts at once; a release waits for the person to choose to reload
      // (a page half-way through a form must not change its code underneath them).
      if (!self.registration.active) return self.skipWaiting();
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

self.addEventListener("message", function (event) {
  var data = event.data || {};
  if (data.type === "SKIP_WAITING") {
    event.waitUntil(self.skipWaiting());
  } else if (data.type === "VERSION") {
    if (event.ports && event.ports[0]) event.ports[0].postMessage({ version: CONFIG.version });
  } else if (data.type === "PRECACHE") {
    // The page cleared every cache (a log-out): bring the shell back, so the app still opens offline.
    event.waitUntil(precacheShell().catch(function () {}));
  }
});

// Background Sync: replay the outbox. A rejection asks the browser to try again later (still offline, a
// server error); an expired session waits for the person to log in again, which replays at the next start.
self.addEventListener("sync", function (event) {
  if (event.tag !== SYNC_TAG || !self.SecondopOutbox) return;
  event.waitUntil(
    self.SecondopOutbox.replay().then(function (result) {
      if (result.stopped === "offline" || result.stopped === "retry") throw new Error("outbox: " + result.stopped);
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

// Saved longer ago than a session lasts without a visit: whoever opened it is signed out by now.
function outlivedTheSession(cached) {
  var savedAt = Date.parse(cached.headers.get(SAVED_AT_HEADER) || "");
  return !(savedAt > Date.now() - CONFIG.keepSeconds * 1000);
}

function handleNavigation(event) {
  var request = event.request;
  return fetch(request)
    .then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      // Only pages the server marks as safe to keep offline (opt in: never an account, security or export
      // page, nor anything it did not think about).
      var keep = response.headers.get(KEEP_HEADER) === "keep";
      if (keep && response.ok && response.type === "basic" && !response.redirected && type.indexOf("text/html") === 0) {
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
          if (cached && !outlivedTheSession(cached)) return markedAsOffline(cached);
          if (cached) cache.delete(request.url);
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
  var lang = catalogueLanguage(url);
  if (lang) {
    event.waitUntil(rememberLanguage(lang));
    event.respondWith(catalogueResponse(request));
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

// Reminders (Web Push). The payload (secondop/reminders/dispatch.py, `payload_for`) is
// {title, body, url, tag, actions: {done, tomorrow}, action_titles: {done, tomorrow}}, in the person's
// language, and carries no health detail.
var NEUTRAL_TITLE = "secondop";
var INBOX_URL = "/inbox/";

// What the worker says itself, in `lang`: the buttons when the payload does not name them, and the
// fallbacks.
function ownTexts(lang) {
  var gettext = translator(lang);
  return {
    neutralBody: gettext("You have a reminder in secondop"),
    done: gettext("Done"),
    tomorrow: gettext("Remind me tomorrow"),
    unreachable: gettext("secondop could not be reached. Open the app to do this."),
    doneConfirmation: gettext("Done."),
    notDone: gettext("That did not work. Open secondop to do it there."),
  };
}

function shellIcon() {
  var icon = (CONFIG.precache || []).filter(function (url) {
    return url.indexOf("icon-192") !== -1;
  })[0];
  return icon || undefined;
}

// A path inside the app, or null: nothing in a payload may send the person (or a POST) elsewhere.
function localPath(value) {
  if (typeof value !== "string" || value.charAt(0) !== "/" || value.charAt(1) === "/" || value.charAt(1) === "\\") {
    return null;
  }
  try {
    var url = new URL(value, self.location.origin);
    return url.origin === self.location.origin ? url.pathname + url.search + url.hash : null;
  } catch (error) {
    return null;
  }
}

function text(value, fallback, limit) {
  return typeof value === "string" && value.trim() ? value.slice(0, limit) : fallback;
}

// What a push shows: the payload when it makes sense, a neutral line otherwise (never nothing); what the
// worker adds is in `lang` (the pages' language, when not given).
self.reminderNotification = function (payload, lang) {
  var own = ownTexts(lang || pageLanguage || DEFAULT_LANGUAGE);
  var data = { url: INBOX_URL, actions: {} };
  var options = { body: own.neutralBody, icon: shellIcon(), badge: shellIcon(), data: data };
  var title = NEUTRAL_TITLE;
  if (payload && typeof payload === "object" && !Array.isArray(payload)) {
    title = text(payload.title, NEUTRAL_TITLE, 120);
    options.body = text(payload.body, own.neutralBody, 300);
    data.url = localPath(payload.url) || INBOX_URL;
    if (typeof payload.tag === "string" && payload.tag) options.tag = payload.tag.slice(0, 120);
    var links = payload.actions && typeof payload.actions === "object" ? payload.actions : {};
    var titles = payload.action_titles && typeof payload.action_titles === "object" ? payload.action_titles : {};
    var actions = [];
    ["done", "tomorrow"].forEach(function (name) {
      var link = localPath(links[name]);
      if (link) {
        data.actions[name] = link;
        actions.push({ action: name, title: text(titles[name], own[name], 60) });
      }
    });
    if (actions.length) options.actions = actions;
  }
  return { title: title, options: options };
};

function payloadOf(event) {
  if (!event.data) return null;
  try {
    return event.data.json();
  } catch (error) {
    return null;
  }
}

self.showReminder = function (payload) {
  return currentLanguage().then(function (lang) {
    var shown = self.reminderNotification(payload, lang);
    return self.registration.showNotification(shown.title, shown.options).catch(function () {
      // Whatever went wrong with the full one (too many actions, an icon), a plain one still shows.
      var body = ownTexts(lang).neutralBody;
      return self.registration.showNotification(NEUTRAL_TITLE, { body: body, data: { url: INBOX_URL, actions: {} } });
    });
  });
};

self.addEventListener("push", function (event) {
  event.waitUntil(self.showReminder(payloadOf(event)));
});

function openApp(url) {
  var target = new URL(localPath(url) || INBOX_URL, self.location.origin).href;
  return self.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
    var open = windows.filter(function (client) {
      return new URL(client.url).origin === self.location.origin;
    })[0];
    if (!open) return self.clients.openWindow(target);
    return Promise.resolve()
      .then(function () {
        return open.focus();
      })
      .catch(function () {
        return open;
      })
      .then(function (focused) {
        var client = focused || open;
        if (client.url === target) return client;
        // navigate() needs a window this worker controls; any other is opened anew.
        return client.navigate(target).catch(function () {
          return self.clients.openWindow(target);
        });
      });
  });
}

function showConfirmation(tag, body, url) {
  return self.registration.showNotification(NEUTRAL_TITLE, {
    body: body,
    tag: tag,
    silent: true,
    icon: shellIcon(),
    data: { url: url || INBOX_URL, actions: {} },
  });
}

// Done / Remind me tomorrow: POST the action link (it works without a session) and say how it went; any
// other tap opens the app at the reminder's page. Returns {ok, message} for the first two.
self.handleNotificationAction = function (action, data, tag) {
  data = data || {};
  var link = data.actions && localPath(data.actions[action]);
  if ((action === "done" || action === "tomorrow") && link) {
    var own = null;
    return currentLanguage()
      .then(function (lang) {
        own = ownTexts(lang);
        return fetch(link, { method: "POST", credentials: "same-origin", headers: { Accept: "application/json" } });
      })
      .then(function (response) {
        return response
          .json()
          .catch(function () {
            return {};
          })
          .then(function (answer) {
            return { ok: response.ok && answer.ok === true, message: text(answer.message, "", 200) };
          });
      })
      .catch(function () {
        return { ok: false, message: own.unreachable };
      })
      .then(function (result) {
        var body = result.message || (result.ok ? own.doneConfirmation : own.notDone);
        return showConfirmation(tag, body, data.url).then(
          function () {
            return result;
          },
          function () {
            return result;
          }
        );
      });
  }
  return openApp(data.url);
};

self.addEventListener("notificationclick", function (event) {
  var notification = event.notification;
  notification.close();
  event.waitUntil(self.handleNotificationAction(event.action, notification.data, notification.tag));
});

/* secondop's offline outbox, shared by the pages and the service worker (importScripts).
 *
 * Every write that could not reach the server is kept in IndexedDB with the client-made UUID it was sent
 * with, and replayed in order, one at a time. The server treats a known UUID as the same submission, so a
 * replay after a crash between sending and deleting stores nothing twice. Each answer says how it went
 * (X-Secondop-Outcome): saved or conflict → removed from the outbox; refused → kept, marked with the
 * server's message, for the person to fix; login → replay stops until they log in again; anything else
 * (offline, a server error) → replay stops and tries again later.
 */
/* global self, indexedDB, fetch, URLSearchParams */
(function (scope) {
  "use strict";

  var DB_NAME = "secondop";
  var STORE = "outbox";
  var CSRF_URL = "/pwa/csrf/";

  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var store = request.result.createObjectStore(STORE, { keyPath: "id" });
        store.createIndex("createdAt", "createdAt");
      };
      request.onsuccess = function () {
        resolve(request.result);
      };
      request.onerror = function () {
        reject(request.error);
      };
    });
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var result = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () {
          db.close();
          resolve(result && "result" in result ? result.result : result);
        };
        transaction.onerror = transaction.onabort = function () {
          db.close();
          reject(transaction.error);
        };
      });
    });
  }

  function newId() {
    if (scope.crypto && scope.crypto.randomUUID) return scope.crypto.randomUUID();
    var bytes = scope.crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  /* item: {id, url, body (urlencoded string), htmx (bool), label, pageUrl} */
  function add(item) {
    var record = Object.assign({ status: "waiting", message: "", createdAt: Date.now() }, item);
    record.id = record.id || newId();
    return withStore("readwrite", function (store) {
      store.put(record);
    }).then(function () {
      notify();
      return record;
    });
  }

  function all() {
    return withStore("readonly", function (store) {
      return store.index("createdAt").getAll();
    });
  }

  function remove(id) {
    return withStore("readwrite", function (store) {
      store.delete(id);
    }).then(notify);
  }

  function update(id, patch) {
    return withStore("readwrite", function (store) {
      var request = store.get(id);
      request.onsuccess = function () {
        if (request.result) store.put(Object.assign(request.result, patch));
      };
    }).then(notify);
  }

  function clear() {
    return withStore("readwrite", function (store) {
      store.clear();
    }).then(notify);
  }

  function notify() {
    if (scope.document && scope.document.dispatchEvent) {
      scope.document.dispatchEvent(new CustomEvent("outbox:changed"));
    } else if (scope.clients) {
      scope.clients.matchAll({ type: "window" }).then(function (windows) {
        windows.forEach(function (client) {
          client.postMessage({ type: "outbox:changed" });
        });
      });
    }
  }

  function csrfToken() {
    return fetch(CSRF_URL, { credentials: "same-origin", headers: { Accept: "application/json" } }).then(function (response) {
      if (response.redirected || !response.ok) throw new Error("login");
      return response.json();
    }).then(function (data) {
      return data.token;
    });
  }

  /* Sends one item; resolves to its outcome. */
  function send(item, token) {
    var body = new URLSearchParams(item.body);
    body.delete("csrfmiddlewaretoken"); // the token may have changed since (a new log-in)
    var headers = { "Content-Type": "application/x-www-form-urlencoded", "X-Client-Id": item.id, "X-CSRFToken": token };
    if (item.htmx) headers["HX-Request"] = "true";
    return fetch(item.url, { method: "POST", body: body.toString(), headers: headers, credentials: "same-origin" }).then(
      function (response) {
        if (response.redirected) {
          return new URL(response.url).pathname.indexOf("/accounts/login/") === 0 ? { outcome: "login" } : { outcome: "saved" };
        }
        var outcome = response.headers.get("X-Secondop-Outcome") || (response.ok ? "saved" : "retry");
        if (outcome !== "refused") return { outcome: outcome };
        return response.text().then(function (html) {
          return { outcome: "refused", message: firstError(html) };
        });
      }
    );
  }

  function firstError(html) {
    var match = /class="(?:errorlist[^"]*|form-errors|field-errors)"[^>]*>([\s\S]*?)<\/(?:ul|div|p)>/.exec(html || "");
    var text = match ? match[1].replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim() : "";
    return text || "This was not saved. Open it to check what needs fixing.";
  }

  var replaying = null;

  /* Replays waiting items in order, one at a time. Resolves to {sent, stopped}. */
  function replay() {
    if (replaying) return replaying;
    var run = function () {
      return all().then(function (items) {
        var waiting = items.filter(function (item) {
          return item.status === "waiting";
        });
        if (!waiting.length) return { sent: 0, stopped: "" };
        return csrfToken().then(
          function (token) {
            var sent = 0;
            var next = function (index) {
              if (index >= waiting.length) return { sent: sent, stopped: "" };
              var item = waiting[index];
              return send(item, token).then(
                function (result) {
                  if (result.outcome === "saved" || result.outcome === "conflict") {
                    sent += 1;
                    return remove(item.id).then(function () {
                      return next(index + 1);
                    });
                  }
                  if (result.outcome === "refused") {
                    return update(item.id, { status: "refused", message: result.message }).then(function () {
                      return next(index + 1);
                    });
                  }
                  return { sent: sent, stopped: result.outcome };
                },
                function () {
                  return { sent: sent, stopped: "offline" };
                }
              );
            };
            return next(0);
          },
          function (error) {
            return { sent: 0, stopped: error && error.message === "login" ? "login" : "offline" };
          }
        );
      });
    };
    var locked = scope.navigator && scope.navigator.locks
      ? scope.navigator.locks.request("secondop-outbox", run)
      : run();
    replaying = locked.then(
      function (result) {
        replaying = null;
        return result;
      },
      function (error) {
        replaying = null;
        throw error;
      }
    );
    return replaying;
  }

  scope.SecondopOutbox = { add: add, all: all, remove: remove, update: update, clear: clear, replay: replay, newId: newId };
})(self);

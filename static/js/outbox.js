/* secondop's offline outbox, shared by the pages and the service worker. A classic script, so that the
 * worker can load it with importScripts; the page imports it for its side effect (outbox-state.js).
 *
 * Every write that could not reach the server is kept in IndexedDB with the client-made UUID it was sent
 * with, and replayed in order, one at a time. The server treats a known UUID as the same submission, so a
 * replay after a crash between sending and deleting stores nothing twice. Each answer says how it went in
 * its headers (the protocol: secondop/pwa/protocol.py, and the README): saved or conflict → removed from
 * the outbox; refused → kept, marked with the server's message, for the person to fix; login → replay
 * stops until they log in again; anything else (offline, a server error) → replay stops and tries again
 * later. Nothing is read out of the answer's HTML (an htmx answer is handed to the page to swap in).
 *
 * An item: {id, url, body (urlencoded), htmx (bool), kind, label, pageUrl, user, createdAt, status
 * ("waiting" | "refused"), message, sentAt}. Only the items of the person signed in are sent (a shared
 * phone: someone else's waiting changes are never sent with this session).
 *
 * What happens is announced as "outbox:changed" (a CustomEvent on the page's document, a message to the
 * windows from the worker), with a detail: {type: "progress", done, total} while replaying,
 * {type: "sent", item, outcome, html} after each item the server took (html: an htmx answer, to swap in),
 * or {type: "changed"} when the store changed.
 *
 * The functions are called through `SecondopOutbox` (so a test can replace `remove` to act out a crash).
 */
/* global self, indexedDB, fetch, URLSearchParams */
(function (scope) {
  "use strict";

  var DB_NAME = "secondop";
  var STORE = "outbox";
  var CSRF_URL = "/pwa/csrf/";

  // One connection per page (or worker), opened on first use and given up when another version of the
  // database wants it (an upgrade in a newer release).
  var connection = null;

  function openDb() {
    if (connection) return connection;
    connection = new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME, 1);
      request.onupgradeneeded = function () {
        var store = request.result.createObjectStore(STORE, { keyPath: "id" });
        store.createIndex("createdAt", "createdAt");
      };
      request.onsuccess = function () {
        var db = request.result;
        db.onversionchange = db.onclose = function () {
          db.close();
          connection = null;
        };
        resolve(db);
      };
      request.onerror = function () {
        connection = null;
        reject(request.error);
      };
    });
    return connection;
  }

  function withStore(mode, work) {
    return openDb().then(function (db) {
      return new Promise(function (resolve, reject) {
        var transaction = db.transaction(STORE, mode);
        var result = work(transaction.objectStore(STORE));
        transaction.oncomplete = function () {
          resolve(result && "result" in result ? result.result : result);
        };
        transaction.onerror = transaction.onabort = function () {
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

  var sequence = 0;

  function add(item) {
    // createdAt orders the replay: two items added in the same millisecond keep the order they came in.
    sequence = (sequence + 1) % 1000;
    var record = Object.assign({ status: "waiting", message: "", createdAt: Date.now() + sequence / 1000 }, item);
    record.id = record.id || newId();
    return withStore("readwrite", function (store) {
      store.put(record);
    }).then(function () {
      notify({ type: "changed" });
      return record;
    });
  }

  function all() {
    return withStore("readonly", function (store) {
      return store.index("createdAt").getAll();
    });
  }

  function get(id) {
    return withStore("readonly", function (store) {
      return store.get(id);
    });
  }

  function remove(id) {
    return withStore("readwrite", function (store) {
      store.delete(id);
    }).then(function () {
      notify({ type: "changed" });
    });
  }

  function update(id, patch, quiet) {
    return withStore("readwrite", function (store) {
      var request = store.get(id);
      request.onsuccess = function () {
        if (request.result) store.put(Object.assign(request.result, patch));
      };
    }).then(function () {
      if (!quiet) notify({ type: "changed" });
    });
  }

  function clear() {
    return withStore("readwrite", function (store) {
      store.clear();
    }).then(function () {
      notify({ type: "changed" });
    });
  }

  function notify(detail) {
    if (scope.document && scope.document.dispatchEvent) {
      scope.document.dispatchEvent(new CustomEvent("outbox:changed", { detail: detail }));
    } else if (scope.clients) {
      scope.clients.matchAll({ type: "window", includeUncontrolled: true }).then(function (windows) {
        windows.forEach(function (client) {
          client.postMessage({ type: "outbox:changed", detail: detail });
        });
      });
    }
  }

  /* {token, user} for the session, or an Error("login") when there is none. */
  function session() {
    return fetch(CSRF_URL, { credentials: "same-origin", redirect: "manual", headers: { Accept: "application/json" } }).then(
      function (response) {
        if (response.type === "opaqueredirect") throw new Error("login");
        if (!response.ok) throw new Error("retry");
        return response.json();
      }
    );
  }

  /* Sends one item with the session's CSRF token; resolves to {outcome, message, version, html}, as the
   * answer's headers say (html: an htmx answer's, to swap in). */
  function send(item, token) {
    var body = new URLSearchParams(item.body);
    body.delete("csrfmiddlewaretoken"); // the token may have changed since (a new log-in)
    body.delete("client_id"); // the header says it
    var headers = {
      "Content-Type": "application/x-www-form-urlencoded",
      "X-Client-Id": item.id,
      "X-CSRFToken": token,
      // Answer a redirect with a 204 whose headers say how it went (a redirect's are unreadable here).
      "X-Secondop-Outbox": "1",
    };
    if (item.htmx) headers["HX-Request"] = "true";
    return fetch(item.url, {
      method: "POST",
      body: body.toString(),
      headers: headers,
      credentials: "same-origin",
      redirect: "manual",
    }).then(function (response) {
      var message = response.headers.get("X-Secondop-Message");
      var answer = {
        outcome: response.headers.get("X-Secondop-Outcome") || "retry", // not the app's answer: try again later
        message: message ? decodeURIComponent(message) : "",
        version: response.headers.get("X-Secondop-Version") || "",
        html: "",
      };
      if ((answer.outcome === "saved" || answer.outcome === "conflict") && item.htmx) {
        return response.text().then(function (html) {
          answer.html = html;
          return answer;
        });
      }
      return answer;
    });
  }

  function withoutBody(item) {
    var copy = Object.assign({}, item);
    delete copy.body;
    return copy;
  }

  /* Later edits of the same text were made on top of the one just saved: they carry its new version, so
   * that a person's own queued edits are not taken for someone else's (a conflict). */
  function rebase(url, version) {
    return api.all().then(function (items) {
      return Promise.all(
        items
          .filter(function (other) {
            return other.url === url && other.status === "waiting";
          })
          .map(function (other) {
            var body = new URLSearchParams(other.body);
            if (!body.has("version")) return null;
            body.set("version", version);
            return update(other.id, { body: body.toString() }, true);
          })
      );
    });
  }

  var replaying = null;

  function replayOnce(tried) {
    return api.all().then(function (items) {
      var waiting = items.filter(function (item) {
        return item.status === "waiting" && !tried[item.id];
      });
      if (!waiting.length) return { sent: 0, stopped: "", refused: 0 };
      return session().then(
        function (current) {
          var mine = waiting.filter(function (item) {
            return item.user === undefined || item.user === null || item.user === "" || String(item.user) === String(current.user);
          });
          var total = mine.length;
          var result = { sent: 0, stopped: "", refused: 0 };

          function done(item, answer) {
            result.sent += 1;
            // Only a save moves later edits on: after a conflict they stay on the version they were made on.
            var moved = answer.outcome === "saved" && answer.version;
            return (moved ? rebase(item.url, answer.version) : Promise.resolve())
              .then(function () {
                return api.remove(item.id);
              })
              .then(function () {
                notify({ type: "sent", outcome: answer.outcome, html: answer.html, item: withoutBody(item) });
              });
          }

          function stop(reason) {
            if (!result.stopped) result.stopped = reason;
            return result;
          }

          function next(index) {
            if (index >= total) return stop("");
            var item = mine[index];
            tried[item.id] = true;
            notify({ type: "progress", done: index, total: total });
            return update(item.id, { sentAt: Date.now() }, true)
              .then(function () {
                return send(item, current.token);
              })
              .then(
                function (answer) {
                  if (answer.outcome === "saved" || answer.outcome === "conflict") {
                    return done(item, answer).then(function () {
                      return next(index + 1);
                    });
                  }
                  if (answer.outcome === "refused") {
                    result.refused += 1;
                    return update(item.id, { status: "refused", message: answer.message }).then(function () {
                      return next(index + 1);
                    });
                  }
                  return stop(answer.outcome);
                },
                function () {
                  return stop("offline");
                }
              );
          }
          return next(0);
        },
        function (error) {
          var reason = error && (error.message === "login" || error.message === "retry") ? error.message : "offline";
          return { sent: 0, stopped: reason, refused: 0 };
        }
      );
    });
  }

  /* Replays waiting items in order, one at a time, and then whatever was added meanwhile. Resolves to
   * {sent, stopped, refused}: stopped is "" (all sent), "login", "offline" or "retry". */
  function replay() {
    if (replaying) return replaying;
    var run = function () {
      var tried = {};
      var total = { sent: 0, stopped: "", refused: 0 };
      var round = function () {
        return replayOnce(tried).then(function (result) {
          total.sent += result.sent;
          total.refused += result.refused;
          total.stopped = result.stopped;
          if (!result.stopped && result.sent + result.refused > 0) return round();
          notify({ type: "progress", done: 0, total: 0 });
          return total;
        });
      };
      return round();
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

  var api = {
    add: add,
    all: all,
    get: get,
    remove: remove,
    update: update,
    clear: clear,
    replay: replay,
    newId: newId,
  };
  scope.SecondopOutbox = api;
})(self);

/* secondop's offline outbox, shared by the pages and the service worker: the store (this file) and its
 * replay (outbox-replay.js, which adds `replay` to the same object). Classic scripts, so that the worker
 * can load them with importScripts; the page imports them for their side effect (outbox-state.js).
 *
 * Every write that could not reach the server is kept in IndexedDB with the client-made UUID it was sent
 * with; the server treats a known UUID as the same submission, so a replay after a crash between sending
 * and deleting stores nothing twice.
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
/* global self, indexedDB */
(function (scope) {
  "use strict";

  var DB_NAME = "secondop";
  var STORE = "outbox";

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
    return scope.crypto.randomUUID(); // a secure context (HTTPS or localhost), as the worker and push need
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

  var api = {
    add: add,
    all: all,
    get: get,
    remove: remove,
    update: update,
    clear: clear,
    newId: newId,
    notify: notify,
  };
  scope.SecondopOutbox = api;
})(self);

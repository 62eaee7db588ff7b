// Local-first: the outbox's rhythm on the page. A write that cannot be sent (offline, or earlier writes
// still wait: the order is kept) is queued here with its UUID; the outbox is replayed on `online`, when the
// page is shown again, at every start and by the worker's Background Sync (retrying later while the server
// cannot be reached). This module also reads the store again when it changes and shows each answer. A known
// UUID is the same submission to the server: nothing is stored twice, and a refused write stays, with the
// server's message, until the person fixes or discards it.
import { isAutosave } from "./autosave.js";
import { Outbox, currentUser, fixed, isMine, myItems, state } from "./outbox-state.js";
import { renderBanner, renderOutbox, showFixing } from "./outbox-view.js";
import { here, pathOf } from "./platform.js";

var retryTimer = null;
var retryDelay = 15000;

export function refreshOutbox() {
  return Outbox.all().then(
    function (items) {
      state.items = items;
      renderOutbox();
    },
    function () {}
  );
}

function announceOutbox(detail) {
  detail = detail || {};
  if (detail.type === "progress") {
    state.progress = detail.total ? { done: detail.done, total: detail.total } : null;
    renderBanner();
    return;
  }
  if (detail.type === "sent") {
    showAnswer(detail);
    return;
  }
  refreshOutbox();
}

// An item the outbox sent: an htmx answer is swapped in where the page would have put it (the checklist
// comes back ticked, the script's new version and any conflict show); other kinds show as sent.
function showAnswer(detail) {
  var item = detail.item || {};
  item.sent = true;
  item.outcome = detail.outcome;
  if (item.htmx && detail.html && window.htmx) {
    var source = Array.prototype.filter.call(document.querySelectorAll("[hx-post][data-outbox]"), function (node) {
      return pathOf(node.getAttribute("hx-post")) === item.url;
    })[0];
    var target = source && (source.getAttribute("hx-target") || "this");
    var node = target === "this" ? source : target && document.querySelector(target);
    if (node) {
      try {
        window.htmx.swap(node, detail.html, { swapStyle: source.getAttribute("hx-swap") || "innerHTML" });
      } catch (error) {}
      if (detail.outcome === "saved" && isAutosave(source)) fixed(item.url);
    }
  } else if (!item.htmx) {
    state.sentHere.push(item);
  }
  refreshOutbox();
}

// Queue a write. `coalesce`: "replace" keeps only the newest waiting save of the same text (each carries
// the whole text); "toggle" takes back a waiting tick instead of adding an untick.
export function queue(item, coalesce) {
  item.user = currentUser();
  item.pageUrl = item.pageUrl || here();
  // Waiting from this moment: a write made before the store answers goes behind this one.
  if (coalesce !== "toggle") state.items = state.items.concat([Object.assign({ status: "waiting" }, item)]);
  return Outbox.all()
    .then(function (items) {
      var same = items.filter(function (other) {
        return other.url === item.url && other.status === "waiting" && !other.sentAt && isMine(other);
      });
      if (coalesce === "toggle" && same.length) {
        return Outbox.remove(same[same.length - 1].id).then(function () {
          return null;
        });
      }
      var removing = coalesce === "replace" ? same : [];
      return Promise.all(
        removing.map(function (other) {
          return Outbox.remove(other.id);
        })
      ).then(function () {
        return Outbox.add(item);
      });
    })
    .then(function (added) {
      askForSync();
      return refreshOutbox().then(function () {
        if (navigator.onLine) replaySoon(0);
        return added;
      });
    });
}

function askForSync() {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.getRegistration("/").then(function (registration) {
    if (registration && registration.sync) return registration.sync.register("outbox");
  }).catch(function () {
    // No Background Sync (Safari, Firefox): `online` and the next start replay instead.
  });
}

function replaySoon(delay) {
  clearTimeout(retryTimer);
  retryTimer = setTimeout(replayNow, delay);
}

function replayNow() {
  if (!currentUser() || !navigator.onLine) return Promise.resolve(null);
  return Outbox.replay().then(
    function (result) {
      state.replayStop = result.stopped;
      if ((result.stopped === "offline" || result.stopped === "retry") && navigator.onLine) {
        // The network says online but the server could not be reached or failed: try again later.
        replaySoon(retryDelay);
        retryDelay = Math.min(retryDelay * 2, 300000);
      } else {
        retryDelay = 15000;
      }
      return refreshOutbox().then(function () {
        return result;
      });
    },
    function () {
      return null;
    }
  );
}

export function setUpOutbox() {
  document.addEventListener("outbox:changed", function (event) {
    announceOutbox(event.detail);
  });
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", function (event) {
      if (event.data && event.data.type === "outbox:changed") announceOutbox(event.data.detail);
    });
    if (navigator.serviceWorker.startMessages) navigator.serviceWorker.startMessages();
  }
  window.addEventListener("online", function () {
    retryDelay = 15000;
    replayNow();
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible" && myItems("waiting").length) replayNow();
  });
  // Every start: Safari has no Background Sync, so the app sends what waits whenever it opens.
  refreshOutbox().then(function () {
    showFixing();
    if (myItems("waiting").length) replayNow();
  });
}

// A shared phone: nothing of one person stays for the next. Logging out (after a warning when changes
// still wait) ends this phone's reminders and empties the outbox and the caches; a page that finds its
// session gone drops the kept pages, and someone else signing in drops what the last person left waiting.
import { FIXING_KEY, Outbox, currentUser } from "./outbox-state.js";
import { interpolate, ngettext } from "./i18n.js";
import { csrfToken } from "./platform.js";

// A shared phone. The pages this phone keeps belong to whoever was signed in when they were opened. A
// page that finds that session gone (it ran out, or ended elsewhere, with no log-out here) drops them,
// so no one reads them offline. The writes waiting in the outbox stay for that same person to log in
// and send, shown meanwhile only as a count; anyone else who signs in here drops them.
var SIGNED_IN_KEY = "secondop-signed-in";

function forgetAnEndedSession() {
  // Only a page the server just made knows whether a session holds: not a kept copy, nor the offline page.
  if (document.documentElement.hasAttribute("data-offline-saved-at") || document.querySelector("[data-offline-fallback]")) return;
  var who = currentUser();
  var last = null;
  try {
    last = localStorage.getItem(SIGNED_IN_KEY);
    if (who) localStorage.setItem(SIGNED_IN_KEY, who);
  } catch (error) {}
  if (!last || last === who) return;
  deleteCaches("secondop-pages-"); // the service worker's kept pages
  if (who) {
    Outbox.all()
      .then(function (items) {
        return Promise.all(
          items
            .filter(function (item) {
              return item.user && String(item.user) !== who;
            })
            .map(function (item) {
              return Outbox.remove(item.id);
            })
        );
      })
      .catch(function () {}); // each removal announces itself (outbox:changed)
  }
}

// Logging out on a shared phone: nothing of this person stays. What waits in the outbox is lost, so the
// person is asked first; then this phone's reminders end (in the browser and on the server), and the
// outbox and every secondop cache are emptied before the form goes.
function forgetPushSubscription(form) {
  var url = document.body.dataset.pushForgetUrl;
  if (!url || !("serviceWorker" in navigator) || !("PushManager" in window)) return Promise.resolve();
  var token = (form.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || csrfToken();
  var work = navigator.serviceWorker
    .getRegistration("/")
    .then(function (registration) {
      return registration ? registration.pushManager.getSubscription() : null;
    })
    .then(function (subscription) {
      if (!subscription) return;
      var body = new URLSearchParams({ endpoint: subscription.endpoint });
      var told = fetch(url, { method: "POST", body: body, headers: { "X-CSRFToken": token }, credentials: "same-origin" }).catch(
        function () {}
      );
      return told.then(function () {
        return subscription.unsubscribe();
      });
    })
    .catch(function () {});
  // Never keep someone from logging out: a slow network gets a few seconds.
  return Promise.race([
    work,
    new Promise(function (resolve) {
      setTimeout(resolve, 4000);
    }),
  ]);
}

// Deletes every cache whose name starts with `prefix`.
function deleteCaches(prefix) {
  if (!window.caches) return Promise.resolve();
  return caches
    .keys()
    .then(function (names) {
      return Promise.all(
        names
          .filter(function (name) {
            return name.indexOf(prefix) === 0;
          })
          .map(function (name) {
            return caches.delete(name);
          })
      );
    })
    .catch(function () {});
}

// Whether the person this page was made for is still the one signed in on this phone (not logged out:
// the log-out's Clear-Site-Data empties the storage; nobody else signed in since, in another tab): only
// then may a write of this page wait in the outbox.
export function signedInHere() {
  try {
    return !!currentUser() && localStorage.getItem(SIGNED_IN_KEY) === currentUser();
  } catch (error) {
    return true; // no storage to ask: as before
  }
}

function clearThisPhone() {
  var outbox = Outbox.clear().catch(function () {});
  var cleared = deleteCaches("secondop-");
  try {
    sessionStorage.removeItem(FIXING_KEY);
    localStorage.removeItem(SIGNED_IN_KEY); // logged out (also where Clear-Site-Data is not supported)
  } catch (error) {}
  return Promise.all([outbox, cleared]).then(function () {
    // The shell (no one's data) comes back, so the app still opens offline for the next person.
    var worker = "serviceWorker" in navigator && navigator.serviceWorker.controller;
    if (worker) worker.postMessage({ type: "PRECACHE" });
  });
}

function warnBeforeLogout(form, count) {
  var dialog = document.getElementById("logout-warning");
  var message = interpolate(
    ngettext(
      "%(count)s change has not been sent yet. Log out anyway? It will be lost.",
      "%(count)s changes have not been sent yet. Log out anyway? They will be lost.",
      count
    ),
    { count: count },
    true
  );
  if (!dialog || typeof dialog.showModal !== "function") {
    if (window.confirm(message)) {
      form.dataset.confirmed = "true";
      form.requestSubmit();
    }
    return;
  }
  dialog.querySelector("[data-logout-message]").textContent = message;
  dialog.querySelector("[data-logout-anyway]").onclick = function () {
    dialog.close();
    form.dataset.confirmed = "true";
    form.requestSubmit();
  };
  dialog.querySelector("[data-logout-stay]").onclick = function () {
    dialog.close();
  };
  dialog.showModal();
}

function logOut(event) {
  var form = event.target;
  if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-logout")) return;
  if (form.dataset.cleared === "true") return;
  event.preventDefault();
  if (form.dataset.loggingOut === "true") return;
  var items = Outbox.all().catch(function () {
    return [];
  });
  items.then(function (all) {
    if (all.length && form.dataset.confirmed !== "true") return warnBeforeLogout(form, all.length);
    form.dataset.loggingOut = "true";
    form.querySelectorAll("button").forEach(function (button) {
      button.setAttribute("aria-disabled", "true");
    });
    return forgetPushSubscription(form)
      .then(clearThisPhone)
      .then(function () {
        form.dataset.cleared = "true";
        form.submit();
      });
  });
}

// Loaded by base.html as a module of its own, before main.js: a part of the page that fails to load must
// not keep the phone from being cleared. (Its submit listener comes first; it acts on the log-out form only.)
document.addEventListener("submit", logOut);
document.addEventListener("DOMContentLoaded", forgetAnEndedSession);

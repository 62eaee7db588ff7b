// secondop's page script: registers the service worker, fills the time zone from the browser once,
// shows when the page is an offline copy, and keeps submit buttons from being pressed twice.
(function () {
  "use strict";

  if ("serviceWorker" in navigator) {
    window.addEventListener("load", function () {
      navigator.serviceWorker.register("/serviceworker.js", { scope: "/" }).catch(function () {
        // No service worker (private mode, old browser): the app still works online.
      });
    });
  }

  function sendTimeZone() {
    var url = document.body.dataset.timeZoneUrl;
    if (!url || !window.Intl) return;
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (!zone) return;
    var token = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
    var body = new URLSearchParams({ time_zone: zone });
    fetch(url, { method: "POST", body: body, headers: { "X-CSRFToken": token }, credentials: "same-origin" })
      .then(function (response) {
        if (response.ok) delete document.body.dataset.timeZoneUrl;
      })
      .catch(function () {});
  }

  function showOfflineState() {
    var banner = document.getElementById("offline-banner");
    if (!banner) return;
    var savedAt = document.documentElement.dataset.offlineSavedAt;
    if (!navigator.onLine || savedAt) {
      var when = banner.querySelector("[data-offline-when]");
      if (when) {
        when.textContent = savedAt ? "on " + new Date(savedAt).toLocaleString() : "earlier";
      }
      banner.hidden = false;
    } else {
      banner.hidden = true;
    }
  }

  function guardDoubleSubmit(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.hasAttribute("hx-post")) return;
    if (form.dataset.submitting === "true") {
      event.preventDefault();
      return;
    }
    form.dataset.submitting = "true";
    form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (button) {
      button.setAttribute("aria-disabled", "true");
      button.classList.add("is-working");
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    sendTimeZone();
    showOfflineState();
  });
  // A shared phone: logging out removes the pages this person opened from the offline cache first.
  function forgetSavedPages(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-logout") || !window.caches) return;
    if (form.dataset.cleared === "true") return;
    event.preventDefault();
    caches
      .keys()
      .then(function (names) {
        return Promise.all(
          names
            .filter(function (name) {
              return name.indexOf("secondop-pages-") === 0;
            })
            .map(function (name) {
              return caches.delete(name);
            })
        );
      })
      .catch(function () {})
      .then(function () {
        form.dataset.cleared = "true";
        form.submit();
      });
  }

  document.addEventListener("submit", forgetSavedPages);
  document.addEventListener("submit", guardDoubleSubmit);
  window.addEventListener("online", showOfflineState);
  window.addEventListener("offline", showOfflineState);
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.querySelectorAll("form[data-submitting]").forEach(function (form) {
        delete form.dataset.submitting;
        form.querySelectorAll(".is-working").forEach(function (button) {
          button.classList.remove("is-working");
          button.removeAttribute("aria-disabled");
        });
      });
    }
  });
})();

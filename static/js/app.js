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

  // Copy and share a script's text.
  function textOf(selector) {
    var element = document.querySelector(selector);
    if (!element) return "";
    return "value" in element ? element.value : element.innerText;
  }

  function announce(message) {
    var status = document.querySelector("[data-copy-status]");
    if (status) status.textContent = message;
  }

  function setUpCopyAndShare() {
    document.querySelectorAll("[data-share]").forEach(function (button) {
      if (navigator.share) button.hidden = false;
    });
  }

  document.addEventListener("click", function (event) {
    var copy = event.target.closest && event.target.closest("[data-copy]");
    if (copy) {
      var text = textOf(copy.getAttribute("data-copy"));
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(
          function () {
            announce("Copied. You can paste it into a message or the portal.");
          },
          function () {
            announce("Copying did not work here. Select the text and copy it by hand.");
          }
        );
      } else {
        announce("Copying did not work here. Select the text and copy it by hand.");
      }
      return;
    }
    var share = event.target.closest && event.target.closest("[data-share]");
    if (share && navigator.share) {
      navigator
        .share({ title: share.getAttribute("data-share-title") || "secondop", text: textOf(share.getAttribute("data-share")) })
        .catch(function () {});
    }
  });

  // Autosave: the script's field saves a moment after typing stops, and at once when it loses focus. Text
  // that is already saved is not sent again: each save raises the script's version, which a co-editor's
  // next save is checked against, so a needless one would show them a conflict that is not there.
  var savedText = new WeakMap();
  var sendingText = new WeakMap();
  var inFlight = new WeakMap();

  function isAutosave(element) {
    return element instanceof HTMLTextAreaElement && element.hasAttribute("data-autosave");
  }

  function setUpAutosave() {
    document.querySelectorAll("textarea[data-autosave]").forEach(function (field) {
      savedText.set(field, field.value);
    });
  }

  document.addEventListener("htmx:confirm", function (event) {
    var field = event.detail.elt;
    if (isAutosave(field) && savedText.get(field) === field.value) event.preventDefault();
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var field = event.detail.elt;
    if (!isAutosave(field)) return;
    sendingText.set(field, field.value);
    inFlight.set(field, (inFlight.get(field) || 0) + 1);
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var field = event.detail.elt;
    if (isAutosave(field)) inFlight.set(field, Math.max(0, (inFlight.get(field) || 0) - 1));
  });
  document.addEventListener("draft-saved", function (event) {
    if (isAutosave(event.target)) savedText.set(event.target, sendingText.get(event.target));
  });

  // The Save button sends the form the ordinary way, and leaving the field for it starts an autosave. Both
  // at once would look like someone else's change (a conflict), so the form waits for the autosave and
  // then goes, with the version number it brought back.
  function waitForAutosave(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var field = form.querySelector("textarea[data-autosave]");
    if (!field || !inFlight.get(field)) return;
    event.preventDefault();
    event.stopImmediatePropagation();
    var submitter = event.submitter;
    if (submitter) submitter.classList.add("is-working");
    (function later() {
      setTimeout(function () {
        if (inFlight.get(field)) return later();
        if (submitter) submitter.classList.remove("is-working");
        form.requestSubmit(submitter);
      }, 50);
    })();
  }

  // The say-it view: one part at a time, big next and back buttons, the screen kept awake.
  function setUpSayIt() {
    var root = document.querySelector("[data-say]");
    if (!root) return;
    var parts = Array.prototype.slice.call(root.querySelectorAll("[data-say-part]"));
    var count = root.querySelector("[data-say-count]");
    var back = root.querySelector("[data-say-back]");
    var next = root.querySelector("[data-say-next]");
    var index = 0;
    function show(newIndex, focus) {
      index = Math.max(0, Math.min(parts.length - 1, newIndex));
      parts.forEach(function (part, i) {
        part.hidden = i !== index;
      });
      count.textContent = "Part " + (index + 1) + " of " + parts.length;
      back.disabled = index === 0;
      next.disabled = index === parts.length - 1;
      if (focus) parts[index].focus();
    }
    root.querySelector("[data-say-nav]").hidden = parts.length < 2;
    root.classList.add("say-stepped");
    back.addEventListener("click", function () {
      show(index - 1, true);
    });
    next.addEventListener("click", function () {
      show(index + 1, true);
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "ArrowRight") show(index + 1, true);
      if (event.key === "ArrowLeft") show(index - 1, true);
    });
    show(0, false);
    var lock = null;
    function keepAwake() {
      if (navigator.wakeLock && document.visibilityState === "visible") {
        navigator.wakeLock.request("screen").then(
          function (sentinel) {
            lock = sentinel;
          },
          function () {}
        );
      }
    }
    keepAwake();
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible" && (!lock || lock.released)) keepAwake();
    });
  }

  // Print buttons start hidden: without this script (or a browser that cannot print) they would do nothing.
  function setUpPrint() {
    if (typeof window.print !== "function") return;
    document.querySelectorAll("[data-print]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () {
        window.print();
      });
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    setUpPrint();
    sendTimeZone();
    showOfflineState();
    setUpCopyAndShare();
    setUpAutosave();
    setUpSayIt();
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

  document.addEventListener("submit", waitForAutosave);
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

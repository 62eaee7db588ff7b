// secondop's page script: registers the service worker, fills the time zone from the browser once,
// shows when the page is an offline copy, keeps submit buttons from being pressed twice, and turns
// reminders (Web Push) on for this device.
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

  // Reminders on this device (Web Push). Permission is asked only after the person taps "Turn on
  // reminders"; on iOS push exists only in the app added to the Home Screen (iOS 16.4 and later). At every
  // start the subscription is sent again: Safari never tells the server that an endpoint expired.
  var PUSH_TEXT = {
    working: "Turning reminders on…",
    on: "Reminders are on for this phone.",
    denied:
      "Notifications are blocked for secondop in this browser. To get reminders here, open this site's settings in your browser, allow notifications, then come back to this page.",
    dismissed: "Reminders are still off. Tap Turn on reminders again and choose Allow when your phone asks.",
    failed: "Reminders could not be turned on just now. Check your connection, then try again.",
    stuck: "Reminders could not be turned on: this page is still loading its offline support. Reload the page, then try again.",
  };
  var PUSH_READY_TIMEOUT_MS = 15000;

  function csrfToken() {
    return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
  }

  function pushSupported() {
    return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  }

  function isAppleMobile() {
    return /iPad|iPhone|iPod/.test(navigator.userAgent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
  }

  function isInstalledApp() {
    return navigator.standalone === true || (!!window.matchMedia && window.matchMedia("(display-mode: standalone)").matches);
  }

  function keyBytes(base64url) {
    var base64 = base64url.replace(/-/g, "+").replace(/_/g, "/");
    while (base64.length % 4) base64 += "=";
    var raw = atob(base64);
    var bytes = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i += 1) bytes[i] = raw.charCodeAt(i);
    return bytes;
  }

  function failure(kind) {
    var error = new Error(kind);
    error.pushText = PUSH_TEXT[kind];
    return error;
  }

  // The worker's registration, or a clear failure when it never becomes ready (no worker registered).
  function pushRegistration() {
    return Promise.race([
      navigator.serviceWorker.ready,
      new Promise(function (_, reject) {
        setTimeout(function () {
          reject(failure("stuck"));
        }, PUSH_READY_TIMEOUT_MS);
      }),
    ]);
  }

  function sendSubscription(url, subscription) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken() },
      body: JSON.stringify(subscription.toJSON()),
    }).then(function (response) {
      // A redirect is the login page: the session ended.
      if (!response.ok || response.redirected) throw failure("failed");
      return response.json();
    });
  }

  function askPermission() {
    // Older Safari takes a callback instead of returning a promise.
    return new Promise(function (resolve) {
      var answer = Notification.requestPermission(resolve);
      if (answer && typeof answer.then === "function") answer.then(resolve);
    });
  }

  function subscribeWith(registration, key) {
    var options = { userVisibleOnly: true, applicationServerKey: keyBytes(key) };
    return registration.pushManager.getSubscription().then(function (existing) {
      return registration.pushManager.subscribe(options).catch(function (error) {
        // Subscribed before with another server key (ours changed): start again with the current one.
        if (!existing) throw error;
        return existing.unsubscribe().then(function () {
          return registration.pushManager.subscribe(options);
        });
      });
    });
  }

  function currentSubscription() {
    if (!pushSupported() || Notification.permission !== "granted") return Promise.resolve(null);
    return navigator.serviceWorker.getRegistration("/").then(function (registration) {
      return registration ? registration.pushManager.getSubscription() : null;
    });
  }

  function resendSubscription() {
    var url = document.body.dataset.pushSubscribeUrl;
    if (!url || !pushSupported() || Notification.permission !== "granted") return;
    navigator.serviceWorker.ready
      .then(function (registration) {
        return registration.pushManager.getSubscription();
      })
      .then(function (subscription) {
        if (subscription) return sendSubscription(url, subscription);
      })
      .catch(function () {
        // Offline or signed out: the next start tries again.
      });
  }

  var thisDeviceEndpoint = null;

  function markThisDevice() {
    document.querySelectorAll("[data-endpoint]").forEach(function (row) {
      var badge = row.querySelector("[data-this-device]");
      if (badge) badge.hidden = !thisDeviceEndpoint || row.getAttribute("data-endpoint") !== thisDeviceEndpoint;
    });
  }

  function refreshDevices() {
    var list = document.getElementById("push-devices");
    if (!list || !window.htmx) return;
    window.htmx.ajax("GET", window.location.pathname, { target: "#push-devices", swap: "outerHTML" });
  }

  function setUpReminders() {
    var root = document.querySelector("[data-push]");
    if (!root) return;
    var button = root.querySelector("[data-push-turn-on]");
    var status = root.querySelector("[data-push-status]");
    function show(guide, text) {
      root.querySelectorAll("[data-push-guide]").forEach(function (part) {
        part.hidden = part.getAttribute("data-push-guide") !== guide;
      });
      status.textContent = text || "";
    }
    function working(yes) {
      if (yes) {
        button.setAttribute("aria-disabled", "true");
        button.classList.add("is-working");
      } else {
        button.removeAttribute("aria-disabled");
        button.classList.remove("is-working");
      }
    }

    if (isAppleMobile() && !isInstalledApp()) return show("ios");
    if (!pushSupported()) return show("unsupported");
    if (Notification.permission === "denied") return show("none", PUSH_TEXT.denied);
    show("start");
    currentSubscription()
      .then(function (subscription) {
        if (!subscription) return;
        thisDeviceEndpoint = subscription.endpoint;
        markThisDevice();
        show("none", PUSH_TEXT.on);
      })
      .catch(function () {});

    button.addEventListener("click", function () {
      if (button.getAttribute("aria-disabled") === "true") return;
      working(true);
      status.textContent = PUSH_TEXT.working;
      // Asked first and at once, inside the tap: Safari only shows the prompt for a tap.
      askPermission()
        .then(function (permission) {
          if (permission === "denied") throw failure("denied");
          if (permission !== "granted") throw failure("dismissed");
          return pushRegistration();
        })
        .then(function (registration) {
          return subscribeWith(registration, root.getAttribute("data-push-key"));
        })
        .then(function (subscription) {
          return sendSubscription(root.getAttribute("data-push-url"), subscription).then(function () {
            thisDeviceEndpoint = subscription.endpoint;
          });
        })
        .then(function () {
          working(false);
          show("none", PUSH_TEXT.on);
          refreshDevices();
        })
        .catch(function (error) {
          working(false);
          if (error && error.message === "denied") return show("none", PUSH_TEXT.denied);
          status.textContent = (error && error.pushText) || PUSH_TEXT.failed;
        });
    });
  }

  // Removing this device from the list also ends its subscription in the browser; otherwise the next
  // start would send it again and bring it back.
  function forgetThisDevice(event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-push-remove")) return;
    var row = form.closest("[data-endpoint]");
    if (!row || !thisDeviceEndpoint || row.getAttribute("data-endpoint") !== thisDeviceEndpoint) return;
    if (form.dataset.unsubscribed === "true") return;
    event.preventDefault();
    currentSubscription()
      .then(function (subscription) {
        return subscription && subscription.unsubscribe();
      })
      .catch(function () {})
      .then(function () {
        form.dataset.unsubscribed = "true";
        thisDeviceEndpoint = null;
        form.submit();
      });
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    if (event.target && event.target.id === "push-devices") markThisDevice();
  });
  document.addEventListener("submit", forgetThisDevice);

  document.addEventListener("DOMContentLoaded", function () {
    setUpPrint();
    sendTimeZone();
    showOfflineState();
    setUpCopyAndShare();
    setUpAutosave();
    setUpSayIt();
    setUpReminders();
    resendSubscription();
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

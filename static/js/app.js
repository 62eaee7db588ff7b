// secondop's page script: registers the service worker (and offers a new release with "Update available —
// reload"), fills the time zone from the browser once, shows when the page is an offline copy, keeps submit
// buttons from being pressed twice, turns reminders (Web Push) on for this device, and makes the app
// local-first: writes made offline wait in the outbox (outbox.js) and are sent when the connection is back.
(function () {
  "use strict";

  // A new worker waits while this page is open (sw.js); the person chooses when to reload into it.
  var reloadWhenControlled = false;

  function offerUpdate(registration) {
    var banner = document.getElementById("update-banner");
    if (!banner || !registration.waiting || !navigator.serviceWorker.controller) return;
    banner.hidden = false;
    var button = banner.querySelector("[data-update-reload]");
    button.onclick = function () {
      if (!registration.waiting) return window.location.reload();
      button.setAttribute("aria-disabled", "true");
      button.classList.add("is-working");
      reloadWhenControlled = true;
      registration.waiting.postMessage({ type: "SKIP_WAITING" });
    };
  }

  function watchForUpdates(registration) {
    offerUpdate(registration);
    registration.addEventListener("updatefound", function () {
      var worker = registration.installing;
      if (!worker) return;
      worker.addEventListener("statechange", function () {
        if (worker.state === "installed") offerUpdate(registration);
      });
    });
    document.addEventListener("visibilitychange", function () {
      if (document.visibilityState === "visible") registration.update().catch(function () {});
    });
  }

  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("controllerchange", function () {
      if (!reloadWhenControlled) return;
      reloadWhenControlled = false;
      window.location.reload();
    });
    window.addEventListener("load", function () {
      navigator.serviceWorker
        .register("/serviceworker.js", { scope: "/" })
        .then(watchForUpdates)
        .catch(function () {
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
    if (event.defaultPrevented || !(form instanceof HTMLFormElement) || form.hasAttribute("hx-post")) return;
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
  // start (once per browsing session) the subscription is sent again: Safari never tells the server that an
  // endpoint expired.
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

  // Once per start, not once per page: a start (a new tab, the installed app launched again) begins with
  // an empty sessionStorage.
  var RESENT_KEY = "secondop-push-resent";

  function resendSubscription() {
    var url = document.body.dataset.pushSubscribeUrl;
    if (!url || !pushSupported() || Notification.permission !== "granted") return;
    navigator.serviceWorker.ready
      .then(function (registration) {
        return registration.pushManager.getSubscription();
      })
      .then(function (subscription) {
        if (!subscription) return;
        // Whose it is too: after someone else logs in on this phone, it moves to them at once.
        var sent = (document.body.dataset.outboxUser || "") + " " + subscription.endpoint;
        try {
          if (sessionStorage.getItem(RESENT_KEY) === sent) return;
        } catch (error) {
          // Storage refused (a private window): send it every time instead.
        }
        return sendSubscription(url, subscription).then(function () {
          try {
            sessionStorage.setItem(RESENT_KEY, sent);
          } catch (error) {
            // As above.
          }
        });
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

  // The bottom area holds the install and update offers: shown while one of them is, so that an empty bar
  // never covers the page, and the page gets room to scroll out from under it.
  function watchOffers() {
    var area = document.querySelector(".bottom-offers");
    if (!area) return;
    function sync() {
      var hide = !area.querySelector(":scope > :not([hidden])");
      if (area.hidden !== hide) area.hidden = hide; // only a change: this observer sees its own writes
      document.documentElement.classList.toggle("has-offers", !hide);
    }
    if (window.MutationObserver) {
      new MutationObserver(sync).observe(area, { subtree: true, attributes: true, attributeFilter: ["hidden"] });
    }
    sync();
  }

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
    if (who && Outbox) {
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
        .then(refreshOutbox, function () {});
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    forgetAnEndedSession();
    watchOffers();
    setUpPrint();
    sendTimeZone();
    showOfflineState();
    setUpCopyAndShare();
    setUpAutosave();
    setUpSayIt();
    setUpReminders();
    resendSubscription();
    setUpInstall();
    setUpOutbox();
  });
  // ---------------------------------------------------------------------------------------------------
  // Local-first. Every write that matters carries a client-made UUID: a hidden `client_id` in the plain
  // forms marked `data-outbox`, an `X-Client-Id` header on htmx writes. When the network fails (or the
  // browser knows it is offline, or earlier writes are still waiting: the order is kept), the write goes to
  // the outbox and shows in the page as "Waiting to sync"; the outbox is replayed on `online`, at every
  // start, and by the worker's Background Sync. The server takes a known UUID as the same submission, so
  // nothing is stored twice, and nothing is dropped: a refused write stays, with the server's message,
  // until the person fixes or discards it.
  var Outbox = window.SecondopOutbox;
  var outboxItems = [];
  var sentHere = []; // items sent while this page was open: still shown, as sent
  var replayStop = ""; // how the last replay ended: "" | "login" | "offline" | "retry"
  var progress = null; // {done, total} while a replay runs
  var retryTimer = null;
  var retryDelay = 15000;
  var FIXING_KEY = "secondop-outbox-fixing";
  var WAITING_TEXT = "Waiting to sync";

  function currentUser() {
    return (document.body && document.body.dataset.outboxUser) || "";
  }

  // Whose waiting writes a page shows: the signed-in person's. A page without a session shows none of
  // them (only how many wait, in the banner), so nothing of one person is read by the next.
  function isMine(item) {
    var user = currentUser();
    return !!user && (!item.user || String(item.user) === user);
  }

  function myItems(status) {
    return outboxItems.filter(function (item) {
      return isMine(item) && (!status || item.status === status);
    });
  }

  function plural(count, one, many) {
    return count + " " + (count === 1 ? one : many);
  }

  function pathOf(url) {
    var parsed = new URL(url, window.location.href);
    return parsed.pathname + parsed.search;
  }

  function here() {
    return window.location.pathname + window.location.search;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function announceOutbox(detail) {
    detail = detail || {};
    if (detail.type === "progress") {
      progress = detail.total ? { done: detail.done, total: detail.total } : null;
      renderBanner();
      return;
    }
    if (detail.type === "sent") {
      showAnswer(detail);
      return;
    }
    refreshOutbox();
  }

  function refreshOutbox() {
    if (!Outbox) return Promise.resolve();
    return Outbox.all().then(
      function (items) {
        outboxItems = items;
        renderOutbox();
      },
      function () {}
    );
  }

  // The banner: what is waiting, the progress of a replay, "log in again", and the refused writes.
  function renderBanner() {
    var banner = document.getElementById("outbox-banner");
    if (!banner) return;
    var summary = banner.querySelector("[data-outbox-summary]");
    var login = banner.querySelector("[data-outbox-login]");
    var waiting = (currentUser() ? myItems("waiting") : outboxItems.filter(function (item) {
      return item.status === "waiting";
    })).length;
    var text = "";
    login.hidden = true;
    if (!waiting) progress = null; // a worker stopped half-way sends no last word
    if (progress && progress.total) {
      text = "Sending " + Math.min(progress.done + 1, progress.total) + " of " + progress.total + "…";
    } else if (waiting && (replayStop === "login" || !currentUser())) {
      text = (currentUser() ? "Log in again to send " : "Log in to send ") + plural(waiting, "waiting change", "waiting changes") + ".";
      login.hidden = false;
      login.href = login.getAttribute("data-login-url") + "?next=" + encodeURIComponent(here());
    } else if (waiting) {
      text = plural(waiting, "change", "changes") + " waiting to sync";
    }
    if (summary.textContent !== text) summary.textContent = text;
    summary.hidden = !text;
    var bar = banner.querySelector("[data-outbox-progress]");
    bar.hidden = !(progress && progress.total > 1);
    if (progress && progress.total > 1) {
      bar.max = progress.total;
      bar.value = progress.done;
    }
    var problems = banner.querySelector("[data-outbox-problems]");
    var refused = myItems("refused");
    var shown = Array.prototype.map.call(problems.children, function (row) {
      return row.getAttribute("data-outbox-id");
    });
    var wanted = refused.map(function (item) {
      return item.id;
    });
    if (shown.join() !== wanted.join()) {
      problems.textContent = "";
      refused.forEach(function (item) {
        problems.appendChild(problemRow(item));
      });
    }
    problems.hidden = !refused.length;
    banner.hidden = !text && !refused.length;
  }

  function problemRow(item) {
    var row = element("li", "outbox-problem");
    row.setAttribute("data-outbox-id", item.id);
    var what = element("p");
    what.appendChild(element("strong", "", "Not sent: " + (item.label || "a change") + ". "));
    what.appendChild(document.createTextNode(item.message || "It needs a fix."));
    row.appendChild(what);
    var actions = element("div", "actions");
    var open = element("button", "button button-secondary", "Open and fix");
    open.type = "button";
    open.addEventListener("click", function () {
      openToFix(item);
    });
    var discard = element("button", "link-button", "Discard");
    discard.type = "button";
    discard.addEventListener("click", function () {
      // Asked once more, in place: what was typed is gone for good after this.
      actions.textContent = "";
      actions.appendChild(element("span", "", "Discard it? What you wrote is lost."));
      var yes = element("button", "button button-secondary", "Yes, discard it");
      yes.type = "button";
      yes.addEventListener("click", function () {
        Outbox.remove(item.id);
      });
      var no = element("button", "link-button", "Keep it");
      no.type = "button";
      no.addEventListener("click", function () {
        row.replaceWith(problemRow(item));
      });
      actions.appendChild(yes);
      actions.appendChild(no);
      no.focus();
    });
    actions.appendChild(open);
    actions.appendChild(discard);
    row.appendChild(actions);
    return row;
  }

  // Opens a refused write to fix it. Online, the same submission is posted again: the server answers with
  // what it answered then (the form with its errors next to the fields, and what was typed). Offline, the
  // page it came from is opened and its form filled from the outbox.
  function openToFix(item) {
    try {
      sessionStorage.setItem(FIXING_KEY, JSON.stringify({ id: item.id, url: item.url }));
    } catch (error) {}
    if (!item.htmx && navigator.onLine) {
      var form = element("form");
      form.method = "post";
      form.action = item.url;
      form.hidden = true;
      var fields = new URLSearchParams(item.body);
      fields.set("csrfmiddlewaretoken", csrfToken() || "");
      fields.set("client_id", item.id);
      fields.forEach(function (value, name) {
        var input = element("input");
        input.type = "hidden";
        input.name = name;
        input.value = value;
        form.appendChild(input);
      });
      document.body.appendChild(form);
      form.submit();
      return;
    }
    window.location.assign(item.pageUrl.split("#")[0] + "#outbox-fix");
  }

  function fixingNow() {
    try {
      return JSON.parse(sessionStorage.getItem(FIXING_KEY) || "null");
    } catch (error) {
      return null;
    }
  }

  // A fixed version went through: the refused one it replaces leaves the outbox.
  function fixed(url) {
    var fixing = fixingNow();
    if (!fixing || fixing.url !== url) return Promise.resolve();
    try {
      sessionStorage.removeItem(FIXING_KEY);
    } catch (error) {}
    return Outbox.remove(fixing.id).catch(function () {});
  }

  function renderOutbox() {
    renderBanner();
    renderLists();
    renderNearForms();
    renderTicks();
    renderEditors();
  }

  function stateText(item) {
    if (item.sent) return item.outcome === "conflict" ? "✓ Sent (see the two versions)" : "✓ Sent";
    if (item.status === "refused") return "✗ Not sent: needs a fix";
    return "⏳ " + WAITING_TEXT;
  }

  function entry(item, tag) {
    var row = element(tag || "li", "outbox-entry" + (item.sent ? " is-sent" : item.status === "refused" ? " is-refused" : " is-waiting"));
    row.setAttribute("data-outbox-entry", item.id);
    row.appendChild(element("span", "outbox-state", stateText(item)));
    row.appendChild(document.createTextNode(" "));
    row.appendChild(element("strong", "", item.label || "A change"));
    return row;
  }

  function shownItems() {
    return myItems().concat(sentHere);
  }

  // Lists that show waiting writes of their kind in place (`data-outbox-list="contact"` on the timeline).
  function listMatches(list, item) {
    var kinds = (list.getAttribute("data-outbox-list") || "").split(/\s+/);
    if (kinds.indexOf(item.kind) === -1) return false;
    var scope = list.getAttribute("data-outbox-case");
    if (scope && item.scope !== scope) return false;
    var request = list.getAttribute("data-outbox-request");
    return !request || String(item.request || "") === request;
  }

  function renderLists() {
    document.querySelectorAll("[data-outbox-list]").forEach(function (list) {
      var container = list;
      if (list.tagName !== "OL" && list.tagName !== "UL") {
        container = list.querySelector(":scope > .outbox-here");
        if (!container) {
          container = element("ul", "outbox-here");
          list.appendChild(container);
        }
      }
      container.querySelectorAll(":scope > [data-outbox-entry]").forEach(function (row) {
        row.remove();
      });
      var items = shownItems().filter(function (item) {
        return listMatches(list, item);
      });
      items.forEach(function (item) {
        container.appendChild(entry(item));
      });
      if (container !== list) container.hidden = !items.length;
    });
  }

  function shownInAList(item) {
    return Array.prototype.some.call(document.querySelectorAll("[data-outbox-list]"), function (list) {
      return listMatches(list, item);
    });
  }

  // Other forms: what waits from them is listed just above the form; an edit form is filled again with
  // the values that wait (the page itself may be a copy saved before they were typed).
  function renderNearForms() {
    document.querySelectorAll("form[data-outbox]").forEach(function (form) {
      var url = pathOf(form.action);
      var items = shownItems().filter(function (item) {
        return item.url === url && !item.htmx && !shownInAList(item);
      });
      var list = form.previousElementSibling;
      if (!list || !list.hasAttribute("data-outbox-here")) {
        if (!items.length) return;
        list = element("ul", "outbox-here");
        list.setAttribute("data-outbox-here", "");
        form.parentNode.insertBefore(list, form);
      }
      list.textContent = "";
      items.forEach(function (item) {
        list.appendChild(entry(item));
      });
      list.hidden = !items.length;
      if (form.hasAttribute("data-outbox-restore") && !form.dataset.outboxRestored) {
        var latest = items.filter(function (item) {
          return !item.sent;
        }).pop();
        if (latest) {
          fillForm(form, latest.body);
          form.dataset.outboxRestored = "true";
        }
      }
    });
  }

  function fillForm(form, body) {
    var values = new URLSearchParams(body);
    var names = {};
    values.forEach(function (value, name) {
      if (name === "csrfmiddlewaretoken" || name === "client_id") return;
      (names[name] = names[name] || []).push(value);
    });
    Object.keys(names).forEach(function (name) {
      var fields = form.querySelectorAll('[name="' + CSS.escape(name) + '"]');
      fields.forEach(function (field) {
        if (field.type === "checkbox" || field.type === "radio") {
          field.checked = names[name].indexOf(field.value) !== -1;
        } else if (field.type !== "hidden" && field.type !== "submit") {
          field.value = names[name][0];
        }
      });
    });
  }

  // Checklist ticks: the item shows the state it will have, marked "(waiting to sync)".
  function renderTicks() {
    document.querySelectorAll("form[hx-post][data-outbox='tick']").forEach(function (form) {
      var url = pathOf(form.getAttribute("hx-post"));
      var waiting = myItems().some(function (item) {
        return item.url === url && item.status === "waiting";
      });
      var row = form.closest("li") || form;
      var button = form.querySelector(".tick-button");
      if (!button || (!waiting && !row.classList.contains("is-waiting"))) return;
      if (!("outboxDone" in row.dataset)) row.dataset.outboxDone = button.getAttribute("aria-pressed");
      var done = (row.dataset.outboxDone === "true") !== waiting;
      var title = (row.querySelector(".item-title a, .item-title") || {}).firstChild;
      var name = title ? title.textContent.trim() : "";
      button.setAttribute("aria-pressed", done ? "true" : "false");
      if (name) button.setAttribute("aria-label", done ? "Done: " + name + ". Mark as not done" : "Mark as done: " + name);
      var glyph = button.querySelector("[aria-hidden]");
      if (glyph) glyph.textContent = done ? "✓" : "\u00a0";
      row.classList.toggle("is-done", done);
      row.classList.toggle("is-waiting", waiting);
      var note = row.querySelector("[data-outbox-note]");
      if (waiting && !note) {
        note = element("span", "waiting-note", "(waiting to sync)");
        note.setAttribute("data-outbox-note", "");
        (row.querySelector(".item-title") || row).appendChild(note);
      } else if (!waiting && note) {
        note.remove();
      }
    });
  }

  // The script editor: a waiting (or refused) version of the text is put back in the field (the page may
  // be a copy saved before it was typed), and the save status says it waits.
  var restoredEditors = new WeakSet();

  function renderEditors() {
    document.querySelectorAll("textarea[data-autosave][data-outbox]").forEach(function (field) {
      var url = pathOf(field.getAttribute("hx-post"));
      var items = myItems().filter(function (item) {
        return item.url === url;
      });
      var latest = items[items.length - 1];
      if (!latest) return;
      if (!restoredEditors.has(field)) {
        restoredEditors.add(field);
        var text = new URLSearchParams(latest.body).get("text");
        if (text !== null && text !== field.value) {
          field.value = text;
          if (latest.status === "waiting") savedText.set(field, text);
        }
      }
      setSaveStatus(
        latest.status === "refused"
          ? "✗ Not sent: " + (latest.message || "it needs a fix") + " Your text is still here."
          : WAITING_TEXT + ": your changes are kept on this phone and sent when you are back online."
      );
    });
  }

  function setSaveStatus(text) {
    var status = document.getElementById("save-status");
    if (status && status.textContent !== text) status.textContent = text;
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
      sentHere.push(item);
    }
    refreshOutbox();
  }

  // Queue a write. `coalesce`: "replace" keeps only the newest waiting save of the same text (each carries
  // the whole text); "toggle" takes back a waiting tick instead of adding an untick.
  function queue(item, coalesce) {
    item.user = currentUser();
    item.pageUrl = item.pageUrl || here();
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
    if (!Outbox || !currentUser() || !navigator.onLine) return Promise.resolve(null);
    return Outbox.replay().then(
      function (result) {
        replayStop = result.stopped;
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

  // htmx writes: a UUID on each request; a request that could not be sent is queued with that same UUID.
  function htmxItem(elt, config, id) {
    var body = new URLSearchParams();
    if (config.formData) {
      config.formData.forEach(function (value, name) {
        if (typeof value === "string") body.append(name, value);
      });
    }
    return {
      id: id,
      url: pathOf(config.path),
      body: body.toString(),
      htmx: true,
      kind: elt.getAttribute("data-outbox"),
      label: elt.getAttribute("data-outbox-label") || "A change",
      scope: elt.getAttribute("data-outbox-case") || "",
    };
  }

  function queueHtmx(elt, config, id) {
    var item = htmxItem(elt, config, id);
    var editor = isAutosave(elt) ? elt : null;
    if (editor) {
      savedText.set(editor, new URLSearchParams(item.body).get("text"));
      setSaveStatus(WAITING_TEXT + ": your changes are kept on this phone and sent when you are back online.");
    }
    return queue(item, item.kind === "tick" ? "toggle" : "replace");
  }

  document.addEventListener("htmx:configRequest", function (event) {
    var detail = event.detail;
    if (!Outbox || String(detail.verb).toLowerCase() !== "post") return;
    var id = Outbox.newId();
    detail.headers["X-Client-Id"] = id;
    var elt = detail.elt;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-outbox")) return;
    if (!navigator.onLine || myItems("waiting").length) {
      // Offline, or earlier writes still wait: this one goes behind them, in order.
      event.preventDefault();
      queueHtmx(elt, detail, id);
    }
  });

  function queueFailedHtmx(event) {
    var detail = event.detail;
    var elt = detail.elt;
    var config = detail.requestConfig;
    if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-outbox") || !config || !config.headers) return;
    queueHtmx(elt, config, config.headers["X-Client-Id"]);
  }

  document.addEventListener("htmx:sendError", queueFailedHtmx);
  document.addEventListener("htmx:timeout", queueFailedHtmx);
  document.addEventListener("htmx:responseError", function (event) {
    // A server error stored nothing (X-Secondop-Outcome: retry): keep the write and send it again later.
    var xhr = event.detail.xhr;
    if (xhr && xhr.status >= 500) queueFailedHtmx(event);
  });
  document.addEventListener("draft-saved", function (event) {
    if (isAutosave(event.target)) fixed(pathOf(event.target.getAttribute("hx-post")));
  });

  // Plain forms marked data-outbox: sent with fetch, so that a network failure keeps what was typed; the
  // answer's headers say where to go next (a form that came back with its errors is shown the ordinary
  // way, by posting the same submission again: the server stored nothing).
  function clientIdInput(form) {
    var input = form.querySelector("input[name=client_id]");
    if (!input) {
      input = element("input");
      input.type = "hidden";
      input.name = "client_id";
      input.value = Outbox.newId();
      form.appendChild(input);
    }
    return input;
  }

  function release(form) {
    delete form.dataset.submitting;
    form.querySelectorAll(".is-working").forEach(function (button) {
      button.classList.remove("is-working");
      button.removeAttribute("aria-disabled");
    });
  }

  function formLabel(form, data, submitter) {
    var template = (submitter && submitter.getAttribute("data-outbox-label")) || form.getAttribute("data-outbox-label") || "A change";
    var empty = false;
    var label = template.replace(/\{(\w+)\}/g, function (_, name) {
      var field = form.elements[name];
      var value = data.get(name) || "";
      if (field && field.tagName === "SELECT" && field.selectedIndex >= 0 && value) {
        value = field.options[field.selectedIndex].text;
      }
      value = String(value).replace(/\s+/g, " ").trim();
      if (!value) empty = true;
      return value.length > 60 ? value.slice(0, 59) + "…" : value;
    });
    return empty ? form.getAttribute("data-outbox-label-empty") || label : label;
  }

  function formData(form, submitter) {
    var data;
    try {
      data = new FormData(form, submitter);
    } catch (error) {
      data = new FormData(form);
      if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    }
    var body = new URLSearchParams();
    data.forEach(function (value, name) {
      if (typeof value === "string") body.append(name, value);
    });
    return body;
  }

  function submitNatively(form, submitter) {
    // form.submit() leaves out the button pressed; its name and value go in a hidden field.
    if (submitter && submitter.name && !form.querySelector('input[type=hidden][data-outbox-submitter]')) {
      var input = element("input");
      input.type = "hidden";
      input.name = submitter.name;
      input.value = submitter.value;
      input.setAttribute("data-outbox-submitter", "");
      form.appendChild(input);
    }
    form.submit();
  }

  function isCached(url) {
    if (!window.caches) return Promise.resolve(false);
    return caches.match(new URL(url, window.location.href).href).then(
      function (found) {
        return !!found;
      },
      function () {
        return false;
      }
    );
  }

  function formNote(form, text) {
    var note = form.querySelector("[data-outbox-form-note]");
    if (!note) {
      note = element("p", "outbox-note");
      note.setAttribute("role", "status");
      note.setAttribute("data-outbox-form-note", "");
      form.insertBefore(note, form.firstChild);
    }
    note.textContent = text;
  }

  function queueForm(form, item) {
    var input = form.querySelector("input[name=client_id]");
    if (input) input.remove(); // that UUID is the queued submission's now; the next one gets its own
    return queue(item).then(function () {
      release(form);
      formNote(form, WAITING_TEXT + ": saved on this phone. It is sent when secondop can reach the server.");
      if (form.hasAttribute("data-outbox-reset")) form.reset();
      var next = form.getAttribute("data-outbox-next");
      if (!next || pathOf(next) === here()) return;
      return isCached(next).then(function (cached) {
        if (cached) window.location.assign(next);
      });
    }).catch(function () {
      release(form);
      formNote(form, "This could not be kept on this phone. Check your connection, then try again.");
    });
  }

  function submitThroughOutbox(event) {
    var form = event.target;
    if (event.defaultPrevented || !Outbox || !(form instanceof HTMLFormElement)) return;
    var submitter = event.submitter;
    var editor = form.querySelector("textarea[data-autosave][data-outbox]");
    if (editor && !form.hasAttribute("data-outbox")) {
      // The script's Save button: the ordinary way online; offline its text goes where the autosave's goes.
      if (navigator.onLine && !myItems("waiting").length) return;
      event.preventDefault();
      release(form);
      var config = { path: editor.getAttribute("hx-post"), formData: new FormData(form) };
      queueHtmx(editor, config, Outbox.newId());
      return;
    }
    if (!form.hasAttribute("data-outbox") || form.method.toLowerCase() !== "post") return;
    event.preventDefault();
    var input = clientIdInput(form);
    var body = formData(form, submitter);
    var item = {
      id: input.value,
      url: pathOf(form.action),
      body: body.toString(),
      htmx: false,
      kind: form.getAttribute("data-outbox"),
      label: formLabel(form, body, submitter),
      scope: form.getAttribute("data-outbox-case") || "",
      request: form.getAttribute("data-outbox-request") || body.get("request") || "",
    };
    if (!navigator.onLine || myItems("waiting").length) {
      queueForm(form, item);
      return;
    }
    // One request: the server answers it as a 204 whose headers say how it went and where to go next
    // (the protocol: secondop/pwa/protocol.py), keeping its "Saved." for that next page.
    fetch(form.action, {
      method: "POST",
      body: body,
      headers: { "X-Client-Id": input.value, "X-Secondop-Outbox": "page" },
      credentials: "same-origin",
      redirect: "manual",
    }).then(
      function (response) {
        var outcome = response.headers.get("X-Secondop-Outcome") || "retry";
        var next = response.headers.get("X-Secondop-Location");
        if (outcome === "login") replayStop = "login";
        // The session ended, a server error, or a CSRF token from before the last log-in: the outbox
        // keeps it and sends it with the session's current token (or after the next log-in).
        if (outcome === "login" || outcome === "retry" || response.status === 403) return queueForm(form, item);
        if (next) {
          return (outcome === "refused" ? Promise.resolve() : fixed(item.url)).then(function () {
            window.location.assign(next);
          });
        }
        // The form came back with its errors: the page shows them the ordinary way (nothing was stored,
        // so the same submission gets the same answer).
        submitNatively(form, submitter);
      },
      function () {
        return queueForm(form, item);
      }
    );
  }

  // Opened from "Open and fix" while offline: the form is filled from the outbox, with the server's word.
  function showFixing() {
    if (window.location.hash !== "#outbox-fix") return;
    var fixing = fixingNow();
    if (!fixing) return;
    Outbox.get(fixing.id).then(function (item) {
      if (!item || item.htmx) return;
      var form = Array.prototype.filter.call(document.querySelectorAll("form[data-outbox]"), function (candidate) {
        return pathOf(candidate.action) === item.url;
      })[0];
      if (!form) return;
      fillForm(form, item.body);
      formNote(form, "Not sent: " + (item.message || "it needs a fix") + " Change what is needed, then send it again.");
      var first = form.querySelector("input:not([type=hidden]), select, textarea");
      if (first) first.focus();
    });
  }

  function setUpOutbox() {
    if (!Outbox) return;
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

  function clearThisPhone() {
    var outbox = Outbox ? Outbox.clear().catch(function () {}) : Promise.resolve();
    var cleared = deleteCaches("secondop-");
    try {
      sessionStorage.removeItem(FIXING_KEY);
    } catch (error) {}
    return Promise.all([outbox, cleared]).then(function () {
      // The shell (no one's data) comes back, so the app still opens offline for the next person.
      var worker = "serviceWorker" in navigator && navigator.serviceWorker.controller;
      if (worker) worker.postMessage({ type: "PRECACHE" });
    });
  }

  function warnBeforeLogout(form, count) {
    var dialog = document.getElementById("logout-warning");
    var message = plural(count, "change has", "changes have") + " not been sent yet. Log out anyway? " + (count === 1 ? "It" : "They") + " will be lost.";
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
    var items = Outbox ? Outbox.all().catch(function () {
      return [];
    }) : Promise.resolve([]);
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

  // Installing: Chrome and Android offer it through beforeinstallprompt, shown as our own button; iOS
  // Safari has no prompt, so a short guide (Share → Add to Home Screen) shows once, and stays reachable from
  // the settings page.
  var installPrompt = null;
  var INSTALL_DISMISSED_KEY = "secondop-install-dismissed";
  var IOS_GUIDE_KEY = "secondop-ios-install-seen";

  function remembered(key) {
    try {
      return localStorage.getItem(key) === "1";
    } catch (error) {
      return false;
    }
  }

  function remember(key) {
    try {
      localStorage.setItem(key, "1");
    } catch (error) {}
  }

  function showInstallButtons() {
    document.querySelectorAll("[data-install]").forEach(function (button) {
      button.hidden = !installPrompt;
    });
    var banner = document.getElementById("install-banner");
    if (banner) banner.hidden = !installPrompt || remembered(INSTALL_DISMISSED_KEY);
  }

  window.addEventListener("beforeinstallprompt", function (event) {
    event.preventDefault();
    installPrompt = event;
    showInstallButtons();
  });
  window.addEventListener("appinstalled", function () {
    installPrompt = null;
    showInstallButtons();
  });

  function showIosGuide(focus) {
    var guide = document.getElementById("ios-install");
    if (!guide) return;
    guide.hidden = false;
    remember(IOS_GUIDE_KEY);
    if (focus) {
      var heading = guide.querySelector("h2");
      if (heading) heading.focus();
    }
  }

  function setUpInstall() {
    document.addEventListener("click", function (event) {
      var target = event.target.closest ? event.target : null;
      if (!target) return;
      if (target.closest("[data-install]") && installPrompt) {
        var prompt = installPrompt;
        prompt.prompt();
        prompt.userChoice
          .then(function () {
            installPrompt = null;
            showInstallButtons();
          })
          .catch(function () {});
      } else if (target.closest("[data-install-dismiss]")) {
        remember(INSTALL_DISMISSED_KEY);
        showInstallButtons();
      } else if (target.closest("[data-install-guide]")) {
        showIosGuide(true);
      } else if (target.closest("[data-ios-install-close]")) {
        document.getElementById("ios-install").hidden = true;
      }
    });
    showInstallButtons();
    var ios = isAppleMobile() && !isInstalledApp();
    document.querySelectorAll("[data-install-guide]").forEach(function (button) {
      button.hidden = !ios;
    });
    document.querySelectorAll("[data-install-installed]").forEach(function (note) {
      note.hidden = !isInstalledApp();
    });
    if (ios && !remembered(IOS_GUIDE_KEY)) showIosGuide(false);
  }

  document.addEventListener("submit", waitForAutosave);
  document.addEventListener("submit", logOut);
  document.addEventListener("submit", guardDoubleSubmit);
  document.addEventListener("submit", submitThroughOutbox);
  window.addEventListener("online", showOfflineState);
  window.addEventListener("offline", showOfflineState);
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      // Back to a page whose form was sent: its UUID belongs to that submission, so a new one is made
      // next time (the same UUID would only bring back the first answer).
      document.querySelectorAll("form[data-outbox] input[name=client_id], input[data-outbox-submitter]").forEach(function (input) {
        input.remove();
      });
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

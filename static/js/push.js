// Reminders on this device (Web Push), on the reminders page ([data-push]): the guide that fits this
// browser, asking permission (only after "Turn on reminders" is tapped; on iOS 16.4+ only in the app on
// the Home Screen), subscribing, sending the subscription again once a browsing session (Safari never
// says an endpoint expired), and the list of devices (removing this one ends its subscription here too).
import { gettext } from "./i18n.js";
import { csrfToken, isAppleMobile, isInstalledApp } from "./platform.js";

// What the reminders page says, by name (read when shown, in the page's language).
function pushText(name) {
  switch (name) {
    case "working":
      return gettext("Turning reminders on…");
    case "on":
      return gettext("Reminders are on for this phone.");
    case "denied":
      return gettext(
        "Notifications are blocked for secondop in this browser. To get reminders here, open this site's settings in your browser, allow notifications, then come back to this page."
      );
    case "dismissed":
      // Translators: "Turn on reminders" is the button's text on the reminders page; "Allow", the phone's.
      return gettext("Reminders are still off. Tap Turn on reminders again and choose Allow when your phone asks.");
    case "stuck":
      return gettext("Reminders could not be turned on: this page is still loading its offline support. Reload the page, then try again.");
    case "failed":
    default:
      return gettext("Reminders could not be turned on just now. Check your connection, then try again.");
  }
}
var PUSH_READY_TIMEOUT_MS = 15000;

function pushSupported() {
  return "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
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
  error.pushText = pushText(kind);
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

export function resendSubscription() {
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

export function setUpReminders() {
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
  if (Notification.permission === "denied") return show("none", pushText("denied"));
  show("start");
  currentSubscription()
    .then(function (subscription) {
      if (!subscription) return;
      thisDeviceEndpoint = subscription.endpoint;
      markThisDevice();
      show("none", pushText("on"));
    })
    .catch(function () {});

  button.addEventListener("click", function () {
    if (button.getAttribute("aria-disabled") === "true") return;
    working(true);
    status.textContent = pushText("working");
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
        show("none", pushText("on"));
        document.body.dispatchEvent(new Event("devices-changed")); // the list refreshes itself (hx-trigger)
      })
      .catch(function (error) {
        working(false);
        if (error && error.message === "denied") return show("none", pushText("denied"));
        status.textContent = (error && error.pushText) || pushText("failed");
      });
  });
}

// Removing this device from the list also ends its subscription in the browser; otherwise the next
// start would send it again and bring it back.
export function forgetThisDevice(event) {
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

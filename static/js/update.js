// The service worker and new releases: registers the worker, offers "Update available — reload" when a new
// one waits (sw.js keeps it waiting while a page is open: the person chooses when), reloads once it
// controls the page, and shows the bottom bar of update and install offers only while one of them is.
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

export function registerServiceWorker() {
  if (!("serviceWorker" in navigator)) return;
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

// The bottom area holds the install and update offers: shown while one of them is, so that an empty bar
// never covers the page, and the page gets room to scroll out from under it.
export function watchOffers() {
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

// The offline banner: shown while the browser is offline, or when the page is a copy the service worker
// kept (sw.js marks it with data-offline-saved-at), saying when that copy was saved.

export function showOfflineState() {
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

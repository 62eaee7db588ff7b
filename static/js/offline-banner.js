// The offline banner: shown while the browser is offline, or when the page is a copy the service worker
// kept (sw.js marks it with data-offline-saved-at), saying when that copy was saved.
import { dateLocale, gettext, interpolate } from "./i18n.js";

export function showOfflineState() {
  var banner = document.getElementById("offline-banner");
  if (!banner) return;
  var savedAt = document.documentElement.dataset.offlineSavedAt;
  if (!navigator.onLine || savedAt) {
    var when = banner.querySelector("[data-offline-when]");
    if (when) {
      if (savedAt) {
        var date = new Date(savedAt).toLocaleString(dateLocale());
        // Translators: ends "You are offline. You are seeing the copy saved …"; %(date)s is a date and time.
        when.textContent = interpolate(gettext("on %(date)s"), { date: date }, true);
      } else {
        // Translators: ends "You are offline. You are seeing the copy saved …" when the time is not known.
        when.textContent = gettext("earlier");
      }
    }
    banner.hidden = false;
  } else {
    banner.hidden = true;
  }
}

// Small things pages offer: copying and sharing a script's text, print buttons, and telling the server
// the browser's time zone once (the body carries data-time-zone-url until it is known).
import { gettext } from "./i18n.js";
import { csrfToken } from "./platform.js";

export function sendTimeZone() {
  var url = document.body.dataset.timeZoneUrl;
  if (!url || !window.Intl) return;
  var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  if (!zone) return;
  var body = new URLSearchParams({ time_zone: zone });
  fetch(url, { method: "POST", body: body, headers: { "X-CSRFToken": csrfToken() }, credentials: "same-origin" })
    .then(function (response) {
      if (response.ok) delete document.body.dataset.timeZoneUrl;
    })
    .catch(function () {});
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

export function setUpCopyAndShare() {
  document.querySelectorAll("[data-share]").forEach(function (button) {
    if (navigator.share) button.hidden = false;
  });
}

export function copyOrShare(event) {
  var copy = event.target.closest && event.target.closest("[data-copy]");
  if (copy) {
    var text = textOf(copy.getAttribute("data-copy"));
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(
        function () {
          announce(gettext("Copied. You can paste it into a message or the portal."));
        },
        function () {
          announce(gettext("Copying did not work here. Select the text and copy it by hand."));
        }
      );
    } else {
      announce(gettext("Copying did not work here. Select the text and copy it by hand."));
    }
    return;
  }
  var share = event.target.closest && event.target.closest("[data-share]");
  if (share && navigator.share) {
    navigator
      .share({ title: share.getAttribute("data-share-title") || "secondop", text: textOf(share.getAttribute("data-share")) })
      .catch(function () {});
  }
}

// Print buttons start hidden: without this script (or a browser that cannot print) they would do nothing.
export function setUpPrint() {
  if (typeof window.print !== "function") return;
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
}

// What the other modules ask of the browser and the page: which phone this is (iOS, the installed app),
// the session's CSRF token, the page's address, and the small DOM helpers they share (the words: i18n.js).

export function isAppleMobile() {
  return /iPad|iPhone|iPod/.test(navigator.userAgent) || (navigator.platform === "MacIntel" && navigator.maxTouchPoints > 1);
}

export function isInstalledApp() {
  return navigator.standalone === true || (!!window.matchMedia && window.matchMedia("(display-mode: standalone)").matches);
}

// The token htmx sends (the body's hx-headers), for the page's own fetches.
export function csrfToken() {
  return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
}

export function element(tag, className, text) {
  var node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

// A URL as the outbox keeps it: path and query, on this site.
export function pathOf(url) {
  var parsed = new URL(url, window.location.href);
  return parsed.pathname + parsed.search;
}

export function here() {
  return window.location.pathname + window.location.search;
}

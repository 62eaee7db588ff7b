// The page's words in its language. base.html loads Django's JavaScript catalogue for the page's language
// (/jsi18n/<lang>/, secondop/pwa/jsi18n.py) before the modules; it defines gettext, ngettext and
// interpolate on window. The modules call them through these, which keep the English written in the code
// when there is no catalogue (a page without it, or it failed to load): nothing breaks, it stays English.
// Looked up at each call, not at import, so a text is always in the language of the catalogue now loaded.
// (`makemessages -d djangojs` finds the texts by these names: gettext("…"), ngettext("…", "…", n).)

export function gettext(msgid) {
  return typeof window.gettext === "function" ? window.gettext(msgid) : msgid;
}

export function ngettext(singular, plural, count) {
  if (typeof window.ngettext === "function") return window.ngettext(singular, plural, count);
  return count === 1 ? singular : plural;
}

// interpolate("Part %(number)s of %(total)s", {number: 1, total: 3}, true): named placeholders only.
export function interpolate(format, values, named) {
  if (typeof window.interpolate === "function") return window.interpolate(format, values, named);
  return format.replace(/%\(\w+\)s/g, function (match) {
    return String(values[match.slice(2, -2)]);
  });
}

// The locale to write dates in: the browser's own when it speaks the page's language (its regional way of
// writing them), the page's language otherwise (a Spanish page in an English browser).
export function dateLocale() {
  var page = (document.documentElement.lang || "").toLowerCase();
  var browser = (navigator.language || "").toLowerCase();
  if (!page || browser === page || browser.indexOf(page + "-") === 0) return undefined;
  return page;
}

// The say-it view ([data-say]): one part of the script at a time, big next and back buttons (and the
// arrow keys), the screen kept awake while it is open.
import { gettext, interpolate } from "./i18n.js";

export function setUpSayIt() {
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
    count.textContent = interpolate(gettext("Part %(number)s of %(total)s"), { number: index + 1, total: parts.length }, true);
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

// The packet's Print button. It starts hidden, because without this script it could do nothing;
// the browser's own Print menu works either way.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      window.print();
    });
  });
})();

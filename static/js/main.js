// secondop's page script (base.html loads it as a module): imports each part, one concern a file, and
// registers the listeners whose order matters; each module registers its others itself.
import { setUpAutosave, waitForAutosave } from "./autosave.js";
import { setUpInstall } from "./install.js";
import { showOfflineState } from "./offline-banner.js";
import { setUpOutbox } from "./outbox-sync.js";
import { submitThroughOutbox } from "./outbox-writes.js";
import { copyOrShare, sendTimeZone, setUpCopyAndShare, setUpPrint } from "./page-actions.js";
import { setUpSayIt } from "./say-it.js";
import { guardDoubleSubmit } from "./submit-guard.js";
import { registerServiceWorker, watchOffers } from "./update.js";

registerServiceWorker();
document.addEventListener("click", copyOrShare);

// Push is fetched only where it is offered (the reminders page) or already on (its subscription is sent
// again once a start); the service worker keeps it for offline all the same.
var push = null;
var pushLoading = null;
function loadPush() {
  var on = "Notification" in window && Notification.permission === "granted";
  if (!on && !document.querySelector("[data-push]")) return;
  pushLoading = import("./push.js").then(
    function (module) {
      push = module;
      module.setUpReminders();
      module.resendSubscription();
    },
    function () {
      pushLoading = null;
    }
  );
}

// A form's submit goes through these in this order, each free to stop it (logging out, which asks and
// clears the phone first, is wipe.js's, registered before them): removing this device from the reminders
// list ends its subscription first; the Save button waits for an autosave under way (and stops the rest
// until it sends again); a form is sent once; and a form marked data-outbox goes through the outbox.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (push) return push.forgetThisDevice(event);
  if (!pushLoading || !(form instanceof HTMLFormElement) || !form.hasAttribute("data-push-remove")) return;
  event.preventDefault(); // this device's subscription ends in the browser first, once push.js is here
  pushLoading.then(function () {
    form.requestSubmit(event.submitter);
  });
});
document.addEventListener("submit", waitForAutosave);
document.addEventListener("submit", guardDoubleSubmit);
document.addEventListener("submit", submitThroughOutbox);

document.addEventListener("DOMContentLoaded", function () {
  watchOffers();
  setUpPrint();
  sendTimeZone();
  showOfflineState();
  setUpCopyAndShare();
  setUpAutosave();
  setUpSayIt();
  loadPush();
  setUpInstall();
  setUpOutbox();
});
window.addEventListener("online", showOfflineState);
window.addEventListener("offline", showOfflineState);

// secondop's page script, loaded by base.html as a module: it imports each part (one concern a file) and
// wires them up in the order that matters. Registers the service worker, offers a new release, shows when
// the page is an offline copy, keeps forms from being sent twice, turns reminders (Web Push) on, offers
// installing, and makes the app local-first: writes made offline wait in the outbox (outbox.js) and are
// sent when the connection is back. Each module registers its own listeners when nothing else depends on
// their order; the ones whose order matters are registered here.
import { setUpAutosave, waitForAutosave } from "./autosave.js";
import { setUpInstall } from "./install.js";
import { showOfflineState } from "./offline-banner.js";
import { setUpOutbox } from "./outbox-sync.js";
import { applyCarriedFragment, submitThroughOutbox } from "./outbox-writes.js";
import { copyOrShare, sendTimeZone, setUpCopyAndShare, setUpPrint } from "./page-actions.js";
import { forgetThisDevice, resendSubscription, setUpReminders } from "./push.js";
import { setUpSayIt } from "./say-it.js";
import { guardDoubleSubmit } from "./submit-guard.js";
import { registerServiceWorker, watchOffers } from "./update.js";
import { forgetAnEndedSession, logOut } from "./wipe.js";

registerServiceWorker();
document.addEventListener("click", copyOrShare);

// A form's submit goes through these in this order, each free to stop it: removing this device from the
// reminders list ends its subscription first; the Save button waits for an autosave under way (and stops
// the rest until it sends again); logging out asks and clears the phone first; a form is sent once; and a
// form marked data-outbox goes through the outbox.
document.addEventListener("submit", forgetThisDevice);
document.addEventListener("submit", waitForAutosave);
document.addEventListener("submit", logOut);
document.addEventListener("submit", guardDoubleSubmit);
document.addEventListener("submit", submitThroughOutbox);

document.addEventListener("DOMContentLoaded", function () {
  applyCarriedFragment();
  forgetAnEndedSession();
  watchOffers();
  setUpPrint();
  sendTimeZone();
  showOfflineState();
  setUpCopyAndShare();
  setUpAutosave();
  setUpSayIt();
  setUpReminders();
  resendSubscription();
  setUpInstall();
  setUpOutbox();
});
window.addEventListener("online", showOfflineState);
window.addEventListener("offline", showOfflineState);

// The page's view of the outbox, the one place it lives: the store's items as last read, what was sent
// while this page was open, how the last replay ended, whose items these are, the refused write being fixed.
import "./outbox.js"; // sets self.SecondopOutbox (the service worker imports the same files)
import "./outbox-replay.js"; // adds its replay
import { gettext } from "./i18n.js";

export const Outbox = self.SecondopOutbox; // called through the object, so that a test can replace one

export const state = {
  items: [], // the store's items, as last read (refreshOutbox)
  sentHere: [], // items sent while this page was open: still shown, as sent
  replayStop: "", // how the last replay ended: "" | "login" | "offline" | "retry"
  progress: null, // {done, total} while a replay runs
};

// What a write that waits says, wherever it is shown.
export function waitingText() {
  return gettext("Waiting to sync");
}
export const FIXING_KEY = "secondop-outbox-fixing";

export function currentUser() {
  return (document.body && document.body.dataset.outboxUser) || "";
}

// Whose waiting writes a page shows: the signed-in person's. A page without a session shows none of
// them (only how many wait, in the banner), so nothing of one person is read by the next.
export function isMine(item) {
  var user = currentUser();
  return !!user && (!item.user || String(item.user) === user);
}

export function myItems(status) {
  return state.items.filter(function (item) {
    return isMine(item) && (!status || item.status === status);
  });
}

// The refused write being fixed ("Open and fix"), kept across the page it opens.
export function fixingNow() {
  try {
    return JSON.parse(sessionStorage.getItem(FIXING_KEY) || "null");
  } catch (error) {
    return null;
  }
}

// A fixed version went through: the refused one it replaces leaves the outbox.
export function fixed(url) {
  var fixing = fixingNow();
  if (!fixing || fixing.url !== url) return Promise.resolve();
  try {
    sessionStorage.removeItem(FIXING_KEY);
  } catch (error) {}
  return Outbox.remove(fixing.id).catch(function () {});
}

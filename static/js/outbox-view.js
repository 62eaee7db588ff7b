// The outbox on the page: the banner (what waits, a replay's progress, "log in again", and a row for each
// refused write with Open and fix / Discard), fixing a refused write (posted again online; offline, its
// page opened with the form filled in), and drawing everything the outbox shows after each change.
import { gettext, interpolate, ngettext } from "./i18n.js";
import { fillForm, formNote, renderEditors, renderLists, renderNearForms, renderTicks } from "./outbox-lists.js";
import { FIXING_KEY, Outbox, currentUser, fixingNow, myItems, state } from "./outbox-state.js";
import { csrfToken, element, here, pathOf } from "./platform.js";

export function renderOutbox() {
  renderBanner();
  renderLists();
  renderNearForms();
  renderTicks();
  renderEditors();
}

// The banner: what is waiting, the progress of a replay, "log in again", and the refused writes.
export function renderBanner() {
  var banner = document.getElementById("outbox-banner");
  if (!banner) return;
  var summary = banner.querySelector("[data-outbox-summary]");
  var login = banner.querySelector("[data-outbox-login]");
  var waiting = (currentUser() ? myItems("waiting") : state.items.filter(function (item) {
    return item.status === "waiting";
  })).length;
  var text = "";
  login.hidden = true;
  if (!waiting) state.progress = null; // a worker stopped half-way sends no last word
  if (state.progress && state.progress.total) {
    var sending = { number: Math.min(state.progress.done + 1, state.progress.total), total: state.progress.total };
    text = interpolate(gettext("Sending %(number)s of %(total)s…"), sending, true);
  } else if (waiting && (state.replayStop === "login" || !currentUser())) {
    var format = currentUser()
      ? ngettext("Log in again to send %(count)s waiting change.", "Log in again to send %(count)s waiting changes.", waiting)
      : ngettext("Log in to send %(count)s waiting change.", "Log in to send %(count)s waiting changes.", waiting);
    text = interpolate(format, { count: waiting }, true);
    login.hidden = false;
    login.href = login.getAttribute("data-login-url") + "?next=" + encodeURIComponent(here());
  } else if (waiting) {
    text = interpolate(ngettext("%(count)s change waiting to sync", "%(count)s changes waiting to sync", waiting), { count: waiting }, true);
  }
  if (summary.textContent !== text) summary.textContent = text;
  summary.hidden = !text;
  var bar = banner.querySelector("[data-outbox-progress]");
  bar.hidden = !(state.progress && state.progress.total > 1);
  if (state.progress && state.progress.total > 1) {
    bar.max = state.progress.total;
    bar.value = state.progress.done;
  }
  var problems = banner.querySelector("[data-outbox-problems]");
  var refused = myItems("refused");
  var shown = Array.prototype.map.call(problems.children, function (row) {
    return row.getAttribute("data-outbox-id");
  });
  var wanted = refused.map(function (item) {
    return item.id;
  });
  if (shown.join() !== wanted.join()) {
    problems.textContent = "";
    refused.forEach(function (item) {
      problems.appendChild(problemRow(item));
    });
  }
  problems.hidden = !refused.length;
  banner.hidden = !text && !refused.length;
}

function problemRow(item) {
  var row = element("li", "outbox-problem");
  row.setAttribute("data-outbox-id", item.id);
  var what = element("p");
  // Translators: %(what)s names the change, e.g. "A question" or "a change"; the server's reason follows.
  var notSent = interpolate(gettext("Not sent: %(what)s."), { what: item.label || gettext("a change") }, true);
  what.appendChild(element("strong", "", notSent + " "));
  what.appendChild(document.createTextNode(item.message || gettext("It needs a fix.")));
  row.appendChild(what);
  var actions = element("div", "actions");
  var open = element("button", "button button-secondary", gettext("Open and fix"));
  open.type = "button";
  open.addEventListener("click", function () {
    openToFix(item);
  });
  var discard = element("button", "link-button", gettext("Discard"));
  discard.type = "button";
  discard.addEventListener("click", function () {
    // Asked once more, in place: what was typed is gone for good after this.
    actions.textContent = "";
    actions.appendChild(element("span", "", gettext("Discard it? What you wrote is lost.")));
    var yes = element("button", "button button-secondary", gettext("Yes, discard it"));
    yes.type = "button";
    yes.addEventListener("click", function () {
      Outbox.remove(item.id);
    });
    var no = element("button", "link-button", gettext("Keep it"));
    no.type = "button";
    no.addEventListener("click", function () {
      row.replaceWith(problemRow(item));
    });
    actions.appendChild(yes);
    actions.appendChild(no);
    no.focus();
  });
  actions.appendChild(open);
  actions.appendChild(discard);
  row.appendChild(actions);
  return row;
}

// Opens a refused write to fix it. Online, the same submission is posted again: the server answers with
// what it answered then (the form with its errors next to the fields, and what was typed). Offline, the
// page it came from is opened and its form filled from the outbox.
function openToFix(item) {
  try {
    sessionStorage.setItem(FIXING_KEY, JSON.stringify({ id: item.id, url: item.url }));
  } catch (error) {}
  if (!item.htmx && navigator.onLine) {
    var form = element("form");
    form.method = "post";
    form.action = item.url;
    form.hidden = true;
    var fields = new URLSearchParams(item.body);
    fields.set("csrfmiddlewaretoken", csrfToken() || "");
    fields.set("client_id", item.id);
    fields.forEach(function (value, name) {
      var input = element("input");
      input.type = "hidden";
      input.name = name;
      input.value = value;
      form.appendChild(input);
    });
    document.body.appendChild(form);
    form.submit();
    return;
  }
  window.location.assign(item.pageUrl.split("#")[0] + "#outbox-fix");
}

// Opened from "Open and fix" while offline: the form is filled from the outbox, with the server's word.
export function showFixing() {
  if (window.location.hash !== "#outbox-fix") return;
  var fixing = fixingNow();
  if (!fixing) return;
  Outbox.get(fixing.id).then(function (item) {
    if (!item || item.htmx) return;
    var form = Array.prototype.filter.call(document.querySelectorAll("form[data-outbox]"), function (candidate) {
      return pathOf(candidate.action) === item.url;
    })[0];
    if (!form) return;
    fillForm(form, item.body);
    var reason = item.message || gettext("it needs a fix");
    // Translators: %(reason)s is the server's message (a whole sentence) or "it needs a fix".
    var note = gettext("Not sent: %(reason)s Change what is needed, then send it again.");
    formNote(form, interpolate(note, { reason: reason }, true));
    var first = form.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
  });
}

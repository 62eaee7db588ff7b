// Waiting, refused and sent writes shown where they belong: in the lists of their kind
// (data-outbox-list), just above the form they came from (an edit form filled again with what waits), as
// a checklist tick in its coming state, and in the script editor (its text put back, its save status); and
// the note a form shows about what happened to it.
import { savedText } from "./autosave.js";
import { gettext, interpolate } from "./i18n.js";
import { myItems, state, waitingText } from "./outbox-state.js";
import { element, pathOf } from "./platform.js";

function stateText(item) {
  if (item.sent) return "✓ " + (item.outcome === "conflict" ? gettext("Sent (see the two versions)") : gettext("Sent"));
  if (item.status === "refused") return "✗ " + gettext("Not sent: needs a fix");
  return "⏳ " + waitingText();
}

// What a change is called when its form gave it no name.
export function aChange() {
  return gettext("A change");
}

function entry(item) {
  var row = element("li", "outbox-entry" + (item.sent ? " is-sent" : item.status === "refused" ? " is-refused" : " is-waiting"));
  row.setAttribute("data-outbox-entry", item.id);
  row.appendChild(element("span", "outbox-state", stateText(item)));
  row.appendChild(document.createTextNode(" "));
  row.appendChild(element("strong", "", item.label || aChange()));
  return row;
}

function shownItems() {
  return myItems().concat(state.sentHere);
}

// Lists that show waiting writes of their kind in place (`data-outbox-list="contact"` on the timeline).
function listMatches(list, item) {
  var kinds = (list.getAttribute("data-outbox-list") || "").split(/\s+/);
  if (kinds.indexOf(item.kind) === -1) return false;
  var scope = list.getAttribute("data-outbox-case");
  if (scope && item.scope !== scope) return false;
  var request = list.getAttribute("data-outbox-request");
  return !request || String(item.request || "") === request;
}

export function renderLists() {
  document.querySelectorAll("[data-outbox-list]").forEach(function (list) {
    var container = list;
    if (list.tagName !== "OL" && list.tagName !== "UL") {
      container = list.querySelector(":scope > .outbox-here");
      if (!container) {
        container = element("ul", "outbox-here");
        list.appendChild(container);
      }
    }
    container.querySelectorAll(":scope > [data-outbox-entry]").forEach(function (row) {
      row.remove();
    });
    var items = shownItems().filter(function (item) {
      return listMatches(list, item);
    });
    items.forEach(function (item) {
      container.appendChild(entry(item));
    });
    if (container !== list) container.hidden = !items.length;
  });
}

function shownInAList(item) {
  return Array.prototype.some.call(document.querySelectorAll("[data-outbox-list]"), function (list) {
    return listMatches(list, item);
  });
}

// Other forms: what waits from them is listed just above the form; an edit form is filled again with
// the values that wait (the page itself may be a copy saved before they were typed).
export function renderNearForms() {
  document.querySelectorAll("form[data-outbox]").forEach(function (form) {
    var url = pathOf(form.action);
    var items = shownItems().filter(function (item) {
      return item.url === url && !item.htmx && !shownInAList(item);
    });
    var list = form.previousElementSibling;
    if (!list || !list.hasAttribute("data-outbox-here")) {
      if (!items.length) return;
      list = element("ul", "outbox-here");
      list.setAttribute("data-outbox-here", "");
      form.parentNode.insertBefore(list, form);
    }
    list.textContent = "";
    items.forEach(function (item) {
      list.appendChild(entry(item));
    });
    list.hidden = !items.length;
    if (form.hasAttribute("data-outbox-restore") && !form.dataset.outboxRestored) {
      var latest = items.filter(function (item) {
        return !item.sent;
      }).pop();
      if (latest) {
        fillForm(form, latest.body);
        form.dataset.outboxRestored = "true";
      }
    }
  });
}

export function fillForm(form, body) {
  var values = new URLSearchParams(body);
  var names = {};
  values.forEach(function (value, name) {
    if (name === "csrfmiddlewaretoken" || name === "client_id") return;
    (names[name] = names[name] || []).push(value);
  });
  Object.keys(names).forEach(function (name) {
    var fields = form.querySelectorAll('[name="' + CSS.escape(name) + '"]');
    fields.forEach(function (field) {
      if (field.type === "checkbox" || field.type === "radio") {
        field.checked = names[name].indexOf(field.value) !== -1;
      } else if (field.type !== "hidden" && field.type !== "submit") {
        field.value = names[name][0];
      }
    });
  });
}

// Checklist ticks: the item shows the state it will have, marked "(waiting to sync)".
export function renderTicks() {
  document.querySelectorAll("form[hx-post][data-outbox='tick']").forEach(function (form) {
    var url = pathOf(form.getAttribute("hx-post"));
    var waiting = myItems().some(function (item) {
      return item.url === url && item.status === "waiting";
    });
    var row = form.closest("li") || form;
    var button = form.querySelector(".tick-button");
    if (!button || (!waiting && !row.classList.contains("is-waiting"))) return;
    if (!("outboxDone" in row.dataset)) row.dataset.outboxDone = button.getAttribute("aria-pressed");
    var done = (row.dataset.outboxDone === "true") !== waiting;
    var title = (row.querySelector(".item-title a, .item-title") || {}).firstChild;
    var name = title ? title.textContent.trim() : "";
    button.setAttribute("aria-pressed", done ? "true" : "false");
    if (name) {
      var label = done ? gettext("Done: %(name)s. Mark as not done") : gettext("Mark as done: %(name)s");
      button.setAttribute("aria-label", interpolate(label, { name: name }, true));
    }
    var glyph = button.querySelector("[aria-hidden]");
    if (glyph) glyph.textContent = done ? "✓" : "\u00a0";
    row.classList.toggle("is-done", done);
    row.classList.toggle("is-waiting", waiting);
    var note = row.querySelector("[data-outbox-note]");
    if (waiting && !note) {
      note = element("span", "waiting-note", gettext("(waiting to sync)"));
      note.setAttribute("data-outbox-note", "");
      (row.querySelector(".item-title") || row).appendChild(note);
    } else if (!waiting && note) {
      note.remove();
    }
  });
}

export function editorWaitingText() {
  return gettext("Waiting to sync: your changes are kept on this phone and sent when you are back online.");
}

// The script editor: a waiting (or refused) version of the text is put back in the field (the page may
// be a copy saved before it was typed), and the save status says it waits.
var restoredEditors = new WeakSet();

export function renderEditors() {
  document.querySelectorAll("textarea[data-autosave][data-outbox]").forEach(function (field) {
    var url = pathOf(field.getAttribute("hx-post"));
    var items = myItems().filter(function (item) {
      return item.url === url;
    });
    var latest = items[items.length - 1];
    if (!latest) return;
    if (!restoredEditors.has(field)) {
      restoredEditors.add(field);
      var text = new URLSearchParams(latest.body).get("text");
      if (text !== null && text !== field.value) {
        field.value = text;
        if (latest.status === "waiting") savedText.set(field, text);
      }
    }
    if (latest.status !== "refused") {
      setSaveStatus(editorWaitingText());
      return;
    }
    var reason = latest.message || gettext("it needs a fix");
    // Translators: %(reason)s is the server's message (a whole sentence) or "it needs a fix".
    var refused = gettext("Not sent: %(reason)s Your text is still here.");
    setSaveStatus("✗ " + interpolate(refused, { reason: reason }, true));
  });
}

export function setSaveStatus(text) {
  var status = document.getElementById("save-status");
  if (status && status.textContent !== text) status.textContent = text;
}

export function formNote(form, text) {
  var note = form.querySelector("[data-outbox-form-note]");
  if (!note) {
    note = element("p", "outbox-note");
    note.setAttribute("role", "status");
    note.setAttribute("data-outbox-form-note", "");
    form.insertBefore(note, form.firstChild);
  }
  note.textContent = text;
}

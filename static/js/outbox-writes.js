// Writes through the outbox. htmx writes: an X-Client-Id (a UUID) on every POST; one marked data-outbox
// that cannot be sent (offline, a network error, a server error, earlier writes still waiting) is queued
// with that same UUID. Plain forms marked data-outbox: sent with fetch and a UUID too (one request,
// answered in headers: secondop/pwa/protocol.py) so that a network failure keeps what was typed.
import { isAutosave, savedText } from "./autosave.js";
import { gettext } from "./i18n.js";
import { Outbox, fixed, myItems, state } from "./outbox-state.js";
import { aChange, editorWaitingText, formNote, setSaveStatus } from "./outbox-lists.js";
import { queue } from "./outbox-sync.js";
import { here, pathOf } from "./platform.js";
import { release } from "./submit-guard.js";
import { signedInHere } from "./wipe.js";

// A page left open after its person logged out (or someone else signed in, in another tab) keeps no
// writes for later: it is loaded again, as whoever is signed in now sees it.
function staleTab() {
  if (signedInHere()) return false;
  window.location.reload();
  return true;
}

// htmx writes: a UUID on each request; a request that could not be sent is queued with that same UUID.
function htmxItem(elt, config, id) {
  var body = new URLSearchParams();
  if (config.formData) {
    config.formData.forEach(function (value, name) {
      if (typeof value === "string") body.append(name, value);
    });
  }
  return {
    id: id,
    url: pathOf(config.path),
    body: body.toString(),
    htmx: true,
    kind: elt.getAttribute("data-outbox"),
    label: elt.getAttribute("data-outbox-label") || aChange(),
    scope: elt.getAttribute("data-outbox-case") || "",
  };
}

function queueHtmx(elt, config, id) {
  if (staleTab()) return Promise.resolve();
  var item = htmxItem(elt, config, id);
  var editor = isAutosave(elt) ? elt : null;
  if (editor) {
    savedText.set(editor, new URLSearchParams(item.body).get("text"));
    setSaveStatus(editorWaitingText());
  }
  return queue(item, item.kind === "tick" ? "toggle" : "replace");
}

document.addEventListener("htmx:configRequest", function (event) {
  var detail = event.detail;
  if (String(detail.verb).toLowerCase() !== "post") return;
  var id = Outbox.newId();
  detail.headers["X-Client-Id"] = id;
  var elt = detail.elt;
  if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-outbox")) return;
  detail.headers["X-Secondop-Outbox"] = "page"; // a redirect (to the log-in page) is told in headers
  if (!navigator.onLine || myItems("waiting").length) {
    // Offline, or earlier writes still wait: this one goes behind them, in order.
    event.preventDefault();
    queueHtmx(elt, detail, id);
  }
});

function queueFailedHtmx(event) {
  var detail = event.detail;
  var elt = detail.elt;
  var config = detail.requestConfig;
  if (!elt || !elt.hasAttribute || !elt.hasAttribute("data-outbox") || !config || !config.headers) return;
  queueHtmx(elt, config, config.headers["X-Client-Id"]);
}

document.addEventListener("htmx:sendError", queueFailedHtmx);
document.addEventListener("htmx:timeout", queueFailedHtmx);
document.addEventListener("htmx:afterRequest", function (event) {
  var xhr = event.detail.xhr;
  if (!xhr || !xhr.status) return; // never answered: htmx:sendError or htmx:timeout queued it
  var outcome = xhr.getResponseHeader("X-Secondop-Outcome") || (xhr.status >= 500 ? "retry" : "");
  if (outcome === "login") state.replayStop = "login";
  // The session ended, a server error, or a CSRF token from before the last log-in (answered "retry"):
  // nothing was stored; the outbox keeps it and sends it with the session's current token.
  if (outcome === "login" || outcome === "retry") queueFailedHtmx(event);
});
document.addEventListener("draft-saved", function (event) {
  if (isAutosave(event.target)) fixed(pathOf(event.target.getAttribute("hx-post")));
});

// Plain forms marked data-outbox: sent with fetch, so that a network failure keeps what was typed; the
// answer's headers say where to go next (a form that came back with its errors is shown the ordinary
// way, by posting the same submission again: the server stored nothing).
// The UUID of the form's submission: the same for a resend of it, a new one once it was queued or sent.
function clientId(form) {
  return form.dataset.clientId || (form.dataset.clientId = Outbox.newId());
}

function formLabel(form, data, submitter) {
  var template = (submitter && submitter.getAttribute("data-outbox-label")) || form.getAttribute("data-outbox-label") || aChange();
  var empty = false;
  var label = template.replace(/\{(\w+)\}/g, function (_, name) {
    var field = form.elements[name];
    var value = data.get(name) || "";
    if (field && field.tagName === "SELECT" && field.selectedIndex >= 0 && value) {
      value = field.options[field.selectedIndex].text;
    }
    value = String(value).replace(/\s+/g, " ").trim();
    if (!value) empty = true;
    return value.length > 60 ? value.slice(0, 59) + "…" : value;
  });
  return empty ? form.getAttribute("data-outbox-label-empty") || label : label;
}

function formData(form, submitter) {
  var body = new URLSearchParams();
  new FormData(form, submitter).forEach(function (value, name) {
    if (typeof value === "string") body.append(name, value);
  });
  return body;
}

function isCached(url) {
  if (!window.caches) return Promise.resolve(false);
  return caches.match(new URL(url, window.location.href).href).then(
    function (found) {
      return !!found;
    },
    function () {
      return false;
    }
  );
}

function queueForm(form, item) {
  if (staleTab()) return Promise.resolve();
  delete form.dataset.clientId; // that UUID is the queued submission's now; the next one gets its own
  return queue(item).then(function () {
    release(form);
    formNote(form, gettext("Waiting to sync: saved on this phone. It is sent when secondop can reach the server."));
    if (form.hasAttribute("data-outbox-reset")) form.reset();
    var next = form.getAttribute("data-outbox-next");
    if (!next || pathOf(next) === here()) return;
    return isCached(next).then(function (cached) {
      if (cached) window.location.assign(next);
    });
  }).catch(function () {
    release(form);
    formNote(form, gettext("This could not be kept on this phone. Check your connection, then try again."));
  });
}

// Opens the address a write's answer names, as the browser would have after the form's redirect. The same
// page with another fragment (a list's new row: "#question-1") would only scroll: it is loaded again.
function openNext(form, next) {
  var target = new URL(next, window.location.href);
  if (target.origin !== window.location.origin) return release(form); // only ever an address of this site
  if (target.hash && target.href.split("#")[0] === window.location.href.split("#")[0]) target.hash = "";
  window.location.assign(target.href);
}

export function submitThroughOutbox(event) {
  var form = event.target;
  if (event.defaultPrevented || !(form instanceof HTMLFormElement)) return;
  var submitter = event.submitter;
  var editor = form.querySelector("textarea[data-autosave][data-outbox]");
  if (editor && !form.hasAttribute("data-outbox")) {
    // The script's Save button: the ordinary way online; offline its text goes where the autosave's goes.
    if (navigator.onLine && !myItems("waiting").length) return;
    event.preventDefault();
    release(form);
    var config = { path: editor.getAttribute("hx-post"), formData: new FormData(form) };
    queueHtmx(editor, config, Outbox.newId());
    return;
  }
  if (!form.hasAttribute("data-outbox") || form.method.toLowerCase() !== "post" || form.dataset.native) return;
  event.preventDefault();
  var body = formData(form, submitter);
  var item = {
    id: clientId(form),
    url: pathOf(form.action),
    body: body.toString(),
    htmx: false,
    kind: form.getAttribute("data-outbox"),
    label: formLabel(form, body, submitter),
    scope: form.getAttribute("data-outbox-case") || "",
    request: form.getAttribute("data-outbox-request") || body.get("request") || "",
  };
  if (!navigator.onLine || myItems("waiting").length) {
    queueForm(form, item);
    return;
  }
  // One request: the server answers it as a 204 whose headers say how it went and where to go next
  // (the protocol: secondop/pwa/protocol.py), keeping its "Saved." for that next page.
  fetch(form.action, {
    method: "POST",
    body: body,
    headers: { "X-Client-Id": item.id, "X-Secondop-Outbox": "page" },
    credentials: "same-origin",
    redirect: "manual",
  }).then(
    function (response) {
      var outcome = response.headers.get("X-Secondop-Outcome") || "retry";
      var next = response.headers.get("X-Secondop-Location");
      if (outcome === "login") state.replayStop = "login";
      // The session ended, a server error, or a CSRF token from before the last log-in (answered
      // "retry"): the outbox keeps it and sends it with the session's current token (or after a log-in).
      if (outcome === "login" || outcome === "retry") return queueForm(form, item);
      if (next) {
        return (outcome === "refused" ? Promise.resolve() : fixed(item.url)).then(function () {
          openNext(form, next);
        });
      }
      // The form came back with its errors: the page shows them the ordinary way (nothing was stored,
      // so the same submission gets the same answer).
      release(form);
      form.dataset.native = "true";
      form.requestSubmit(submitter);
    },
    function () {
      return queueForm(form, item);
    }
  );
}

window.addEventListener("pageshow", function (event) {
  if (!event.persisted) return;
  // Back to a page whose form was sent: its UUID belongs to that submission, so a new one is made next
  // time (the same UUID would only bring back the first answer).
  document.querySelectorAll("form[data-client-id], form[data-native]").forEach(function (form) {
    delete form.dataset.clientId;
    delete form.dataset.native;
  });
});

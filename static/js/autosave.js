// The script editor's autosave (textarea[data-autosave], an htmx write, a moment after typing stops): what
// text is saved (shared with the outbox, which marks text kept on the phone), what is being sent, and the
// Save button waiting for an autosave under way. Saved text is not sent again: each save raises the
// version a co-editor's next save is checked against, so a needless one would show a false conflict.
export const savedText = new WeakMap();
var sendingText = new WeakMap();

export function isAutosave(element) {
  return element instanceof HTMLTextAreaElement && element.hasAttribute("data-autosave");
}

export function setUpAutosave() {
  document.querySelectorAll("textarea[data-autosave]").forEach(function (field) {
    savedText.set(field, field.value);
  });
}

document.addEventListener("htmx:confirm", function (event) {
  var field = event.detail.elt;
  if (isAutosave(field) && savedText.get(field) === field.value) event.preventDefault();
});
document.addEventListener("htmx:beforeRequest", function (event) {
  if (isAutosave(event.detail.elt)) sendingText.set(event.detail.elt, event.detail.elt.value);
});
document.addEventListener("draft-saved", function (event) {
  if (isAutosave(event.target)) savedText.set(event.target, sendingText.get(event.target));
});

// The Save button sends the form the ordinary way, and leaving the field for it starts an autosave. Both
// at once would look like someone else's change (a conflict), so the form waits while htmx marks the
// field's request under way (its htmx-request class), and then goes, with the version it brought back.
// So does a form of the same page marked data-after-autosave (the text's language: it replaces the text).
export function waitForAutosave(event) {
  var form = event.target;
  if (!(form instanceof HTMLFormElement)) return;
  var field =
    form.querySelector("textarea[data-autosave]") ||
    (form.hasAttribute("data-after-autosave") && document.querySelector("textarea[data-autosave]"));
  if (!field || !field.classList.contains("htmx-request")) return;
  event.preventDefault();
  event.stopImmediatePropagation();
  var submitter = event.submitter;
  if (submitter) submitter.classList.add("is-working");
  // On the document, after the outbox's listener: an autosave it queued makes the Save wait there too.
  document.addEventListener("htmx:afterRequest", function sent(after) {
    if (after.detail.elt !== field) return;
    document.removeEventListener("htmx:afterRequest", sent);
    setTimeout(function () {
      if (submitter) submitter.classList.remove("is-working");
      form.requestSubmit(submitter); // waits again if htmx sent a queued autosave meanwhile
    });
  });
}

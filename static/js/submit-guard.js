// A plain form is sent once: its submit buttons show they are working and a second press does nothing,
// until the form is released (the outbox kept it, or the person came back to the page with Back).

export function guardDoubleSubmit(event) {
  var form = event.target;
  if (event.defaultPrevented || !(form instanceof HTMLFormElement) || form.hasAttribute("hx-post")) return;
  if (form.dataset.submitting === "true") {
    event.preventDefault();
    return;
  }
  form.dataset.submitting = "true";
  form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (button) {
    button.setAttribute("aria-disabled", "true");
    button.classList.add("is-working");
  });
}

export function release(form) {
  delete form.dataset.submitting;
  form.querySelectorAll(".is-working").forEach(function (button) {
    button.classList.remove("is-working");
    button.removeAttribute("aria-disabled");
  });
}

// Back to a page whose form was sent (from the back-forward cache): it can be sent again.
window.addEventListener("pageshow", function (event) {
  if (!event.persisted) return;
  document.querySelectorAll("form[data-submitting]").forEach(release);
});

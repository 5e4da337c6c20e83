/* The bulletin pages: a form marked data-busy disables its buttons once submitted (publishing or
   correcting a province's bulletin takes seconds), and its button says what is happening
   (data-busy-text), so that nobody presses it twice. No inline script: the CSP forbids them. */
(function () {
  "use strict";

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-busy]");
    if (!form || event.defaultPrevented) return;
    if (form.dataset.busySubmitted) { event.preventDefault(); return; }
    form.dataset.busySubmitted = "1";
    form.setAttribute("aria-busy", "true");
    // Disabled after this turn, so that the button's own name and value are still sent.
    window.setTimeout(function () {
      form.querySelectorAll("button, input[type=submit]").forEach(function (button) {
        button.disabled = true;
        if (button.dataset.busyText) { button.textContent = button.dataset.busyText; }
      });
    }, 0);
  });

  // Back from the browser's cache (bfcache), the page is live again.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-busy]").forEach(function (form) {
      delete form.dataset.busySubmitted;
      form.removeAttribute("aria-busy");
      form.querySelectorAll("button, input[type=submit]").forEach(function (button) { button.disabled = false; });
    });
  });
})();

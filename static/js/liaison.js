/* Small behaviours of the pages, bound from data- attributes so that no page needs an inline script
   or an on…= handler (the Content-Security-Policy allows scripts from this site only). Listeners sit
   on the document, so parts swapped in by htmx work too.
     <select data-autosubmit>                     submits its form when changed
     <input type=checkbox data-check-all="CSS">   ticks or unticks every box the selector finds
     <input data-select-on-click>                 selects its text when clicked
     <button data-copy="#id" data-copied="…">     copies the element's value, then says so
     <form method=post>                           while it is being sent, its buttons are disabled and
                                                  say "working…" (or their data-busy-text), it cannot be
                                                  sent twice (<form data-no-busy> opts out); htmx forms
                                                  alike, until their answer comes */
(function () {
  "use strict";

  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-autosubmit]");
    if (select && select.form) { select.form.submit(); }
  });

  document.addEventListener("click", function (event) {
    var target = event.target;
    var all = target.closest("input[data-check-all]");
    if (all) {
      document.querySelectorAll(all.dataset.checkAll).forEach(function (box) { box.checked = all.checked; });
    }
    var selectable = target.closest("[data-select-on-click]");
    if (selectable) { selectable.select(); }
    var copy = target.closest("button[data-copy]");
    if (copy) {
      var source = document.querySelector(copy.dataset.copy);
      if (source) {
        source.select();
        if (navigator.clipboard) { navigator.clipboard.writeText(source.value); }
        copy.textContent = copy.dataset.copied || copy.textContent;
      }
    }
  });

  // A form being sent: its buttons are disabled and say so until the answer comes (no double posts,
  // and a person waiting on a long action sees that it is working).
  var BUTTONS = "button[type=submit], button:not([type]), input[type=submit]";
  function busy(form, on) {
    if (on) { form.dataset.sending = "1"; } else { delete form.dataset.sending; }
    form.querySelectorAll(BUTTONS).forEach(function (button) {
      if (on && !button.disabled) {
        button.dataset.idleLabel = button.innerHTML;
        button.disabled = true;
        button.setAttribute("aria-busy", "true");
        var spinner = document.createElement("span");
        spinner.className = "spinner-border spinner-border-sm me-1";
        spinner.setAttribute("aria-hidden", "true");
        var label = button.dataset.busyText || document.documentElement.dataset.busyLabel || "…";
        button.replaceChildren(spinner, document.createTextNode(label));
      } else if (!on && button.dataset.idleLabel !== undefined) {
        button.innerHTML = button.dataset.idleLabel;
        delete button.dataset.idleLabel;
        button.disabled = false;
        button.removeAttribute("aria-busy");
      }
    });
  }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || form.hasAttribute("data-no-busy") || (form.method || "").toLowerCase() !== "post") {
      return;
    }
    if (form.dataset.sending) { event.preventDefault(); return; }  // sent already (Enter pressed twice)
    form.dataset.sending = "1";
    // Disabled after the browser has read the form, so the clicked button's name and value are sent.
    setTimeout(function () { busy(form, true); }, 0);
    // An answer that is a download leaves the page in place: the buttons come back.
    setTimeout(function () { busy(form, false); }, 30000);
  });
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt.closest ? event.detail.elt.closest("form") : null;
    if (form && !form.hasAttribute("data-no-busy") && event.detail.requestConfig.verb !== "get") { busy(form, true); }
  });
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.detail.elt.closest ? event.detail.elt.closest("form") : null;
    if (form) { busy(form, false); }
  });
  // Back to a page from the history: nothing is being sent any more.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form").forEach(function (form) { busy(form, false); });
  });
})();

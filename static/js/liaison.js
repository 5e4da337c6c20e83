/* Small behaviours of the pages, bound from data- attributes so that no page needs an inline script
   or an on…= handler (the Content-Security-Policy allows scripts from this site only). Listeners sit
   on the document, so parts swapped in by htmx work too.
     <select data-autosubmit>                     submits its form when changed
     <input type=checkbox data-check-all="CSS">   ticks or unticks every box the selector finds
     <input data-select-on-click>                 selects its text when clicked
     <button data-copy="#id" data-copied="…">     copies the element's value, then says so */
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
})();

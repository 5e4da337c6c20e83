/* The policy form: "Add a group" appends a new eligibility rule group from the empty form's template. */
document.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var button = document.getElementById("add-group");
  if (!button) { return; }
  button.addEventListener("click", function () {
    var total = document.getElementById("id_rules-TOTAL_FORMS");
    var index = parseInt(total.value, 10);
    var html = document.getElementById("empty-group").innerHTML
      .replace(/__prefix__/g, index).replace(/__number__/g, index + 1);
    document.getElementById("group-forms").insertAdjacentHTML("beforeend", html);
    total.value = index + 1;
  });
});

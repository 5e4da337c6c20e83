// Similar past appeals under the raise form's title, as the cadre types (analysis.views.similar).
// The container names the URL and the enterprise; the answer is a small HTML fragment.
(function () {
  "use strict";
  function start() {
    var box = document.getElementById("similar-appeals");
    var title = document.getElementById("id_title");
    if (!box || !title) return;
    var description = document.getElementById("id_description");
    var timer = null, last = "", controller = null;
    function query() {
      var text = title.value.trim();
      if (text.length < 2 && description) text = description.value.trim().slice(0, 200);
      else if (description && description.value.trim()) text += " " + description.value.trim().slice(0, 200);
      return text;
    }
    function lookup() {
      var text = query();
      if (text === last) return;
      last = text;
      if (text.length < 2) { box.innerHTML = ""; return; }
      if (controller) controller.abort();
      controller = window.AbortController ? new AbortController() : null;
      var url = box.dataset.url + "?text=" + encodeURIComponent(text) + "&enterprise=" + encodeURIComponent(box.dataset.enterprise || "");
      fetch(url, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" }, signal: controller && controller.signal })
        .then(function (r) { return r.ok ? r.text() : ""; })
        .then(function (html) { box.innerHTML = html; })
        .catch(function () {});
    }
    function later() { clearTimeout(timer); timer = setTimeout(lookup, 400); }
    title.addEventListener("input", later);
    if (description) description.addEventListener("change", later);
    if (title.value.trim()) lookup();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();

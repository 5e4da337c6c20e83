/* Search-as-you-type pickers: every <select data-picker="URL"> becomes a Tom Select that asks URL?q=…
   as the user types (debounced, from one character) and shows the answers grouped. The server renders
   the chosen option only, so the current label survives a re-render; texts come from data- attributes.
   data-picker-param-NAME="#element-id" adds that element's current value as NAME= to each request
   (e.g. the principal whose substitute is being chosen) and empties the choice when it changes. */
(function () {
  "use strict";

  function escape(text) {
    var div = document.createElement("div");
    div.textContent = text == null ? "" : String(text);
    return div.innerHTML;
  }

  function linkedParams(select) {
    var params = [];
    Object.keys(select.dataset).forEach(function (key) {
      if (key.indexOf("pickerParam") === 0 && key.length > 11) {
        var name = key.slice(11).toLowerCase();
        var source = document.querySelector(select.dataset[key]);
        if (source) params.push([name, source]);
      }
    });
    return params;
  }

  function setUp(select) {
    if (select.tomselect || typeof window.TomSelect === "undefined") return;
    // The no-JavaScript fallback (a number field) beside the select: drawn by htmx into a live page, its
    // <noscript> is parsed as real elements and would send a second, empty value.
    var fallback = select.nextElementSibling;
    if (fallback && fallback.tagName === "NOSCRIPT") fallback.remove();
    var url = select.dataset.picker;
    var texts = {
      placeholder: select.dataset.pickerPlaceholder || "",
      empty: select.dataset.pickerEmpty || "",
      loading: select.dataset.pickerLoading || ""
    };
    var linked = linkedParams(select);
    var emptyOption = select.querySelector('option[value=""]');
    var picker = new window.TomSelect(select, {
      valueField: "id",
      labelField: "text",
      searchField: [],
      optgroupField: "group",
      optgroupValueField: "value",
      optgroupLabelField: "label",
      lockOptgroupOrder: true,
      maxOptions: null,
      loadThrottle: 250,
      preload: false,
      allowEmptyOption: false,
      placeholder: texts.placeholder,
      maxItems: select.multiple ? null : 1,
      plugins: select.multiple ? ["remove_button"] : (emptyOption ? ["clear_button"] : []),
      score: function () { return function () { return 1; }; },
      shouldLoad: function (query) { return query.length >= 1; },
      load: function (query, callback) {
        var self = this;
        var params = new URLSearchParams();
        params.set("q", query);
        linked.forEach(function (pair) { if (pair[1].value) params.set(pair[0], pair[1].value); });
        var target = url + (url.indexOf("?") >= 0 ? "&" : "?") + params.toString();
        fetch(target, { credentials: "same-origin", headers: { Accept: "application/json" } })
          .then(function (response) { return response.ok ? response.json() : { results: [], groups: [] }; })
          .then(function (data) {
            self.clearOptions();
            self.clearOptionGroups();
            (data.groups || []).forEach(function (group) { self.addOptionGroup(group.value, group); });
            callback(data.results || []);
          })
          .catch(function () { callback(); });
      },
      render: {
        no_results: function () { return '<div class="no-results">' + escape(texts.empty) + "</div>"; },
        loading: function () { return '<div class="spinner-border spinner-border-sm m-2" role="status"><span class="visually-hidden">' + escape(texts.loading) + "</span></div>"; },
        option: function (item) { return "<div>" + escape(item.text) + "</div>"; },
        item: function (item) { return "<div>" + escape(item.text) + "</div>"; },
        optgroup_header: function (group) { return '<div class="optgroup-header">' + escape(group.label) + "</div>"; }
      }
    });
    if (emptyOption) picker.removeOption("");
    linked.forEach(function (pair) {
      pair[1].addEventListener("change", function () { picker.clear(); picker.clearOptions(); });
    });
  }

  function setUpAll(root) {
    var scope = root && root.querySelectorAll ? root : document;
    if (scope.matches && scope.matches("select[data-picker]")) setUp(scope);
    scope.querySelectorAll("select[data-picker]").forEach(setUp);
  }

  document.addEventListener("DOMContentLoaded", function () { setUpAll(document); });
  document.addEventListener("htmx:load", function (event) { setUpAll(event.target); });
})();

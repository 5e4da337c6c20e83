/* The appeal page: a stale form (409) still shows the panel with “already changed”, instead of doing nothing. */
document.addEventListener("htmx:beforeSwap", function (event) {
  if (event.detail.xhr.status === 409) { event.detail.shouldSwap = true; event.detail.isError = false; }
});

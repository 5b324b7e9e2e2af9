// The portal's only script: small behaviours htmx does not cover. No inline handlers,
// so the Content-Security-Policy can forbid inline script.
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Send the CSRF token on every htmx request.
  document.addEventListener("htmx:configRequest", function (event) {
    event.detail.headers["X-CSRFToken"] = csrfToken();
  });

  // One loading bar for every htmx request in flight.
  var inFlight = 0;
  function setLoading(delta) {
    inFlight = Math.max(0, inFlight + delta);
    document.documentElement.classList.toggle("is-loading", inFlight > 0);
  }
  document.addEventListener("htmx:beforeRequest", function () { setLoading(1); });
  document.addEventListener("htmx:afterRequest", function () { setLoading(-1); });

  // A server error or a lost connection still says something.
  function showError(text) {
    var area = document.getElementById("flash");
    if (!area) return;
    var box = document.createElement("div");
    box.className = "flash flash-error";
    box.setAttribute("role", "alert");
    box.textContent = text;
    area.replaceChildren(box);
  }
  document.addEventListener("htmx:responseError", function (event) {
    if (event.detail.xhr.status >= 500) showError("Something went wrong on our side; nothing was changed.");
  });
  document.addEventListener("htmx:sendError", function () {
    showError("The portal could not be reached. Check your connection and try again.");
  });

  // Dismiss buttons on flash messages.
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-dismiss]");
    if (button) button.parentElement.remove();
  });

  // Links that should behave like the browser's back button.
  document.addEventListener("click", function (event) {
    var link = event.target.closest("[data-back]");
    if (link && history.length > 1) { event.preventDefault(); history.back(); }
  });

  // A manager opened from the overview: move focus (and, on narrow screens, the view) to the
  // pane's heading, so keyboard users do not tab through the rest of the list to reach it.
  document.addEventListener("htmx:afterSwap", function (event) {
    var pane = event.detail.target;
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (!pane || pane.id !== "detail-pane" || !source || !source.closest("#results")) return;
    var heading = pane.querySelector("#manager-name");
    if (!heading) return;
    heading.setAttribute("tabindex", "-1");
    heading.focus();
  });

  // Tabs (WAI-ARIA pattern): with JavaScript only the selected tab is in the Tab order and the
  // arrow keys, Home and End move between tabs, opening each. Without JavaScript every tab stays
  // an ordinary link reached with Tab.
  function rovingTabs(root) {
    (root || document).querySelectorAll('[role="tablist"]').forEach(function (list) {
      list.querySelectorAll('[role="tab"]').forEach(function (tab) {
        tab.setAttribute("tabindex", tab.getAttribute("aria-selected") === "true" ? "0" : "-1");
      });
    });
  }
  var tabToFocus = null;  // the tab the keyboard opened: focused again once its swap settles
  document.addEventListener("DOMContentLoaded", function () { rovingTabs(document); });
  document.addEventListener("htmx:afterSettle", function (event) {
    rovingTabs(document);
    var tab = tabToFocus && document.getElementById(tabToFocus);
    // Only the swap that brought the tab back in counts; other requests may settle first.
    if (!tab || !event.detail.target || !event.detail.target.contains(tab)) return;
    tabToFocus = null;
    tab.focus();
  });
  document.addEventListener("keydown", function (event) {
    var tab = event.target.closest && event.target.closest('[role="tab"]');
    if (!tab) return;
    var tabs = Array.prototype.slice.call(tab.closest('[role="tablist"]').querySelectorAll('[role="tab"]'));
    var index = tabs.indexOf(tab);
    var next = {ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1}[event.key];
    if (next === undefined) return;
    event.preventDefault();
    var target = tabs[(next + tabs.length) % tabs.length];
    target.focus();
    tabToFocus = target.id;
    // A key pressed while the previous tab is still settling reaches a link htmx has not
    // processed yet, whose click would load the whole page: process it first.
    if (window.htmx) window.htmx.process(target);
    target.click();
  });

  // With JavaScript, destructive buttons confirm through hx-confirm; the no-JS confirmation
  // link beside them is not needed.
  document.documentElement.classList.add("js");
})();

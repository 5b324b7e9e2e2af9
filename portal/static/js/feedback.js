// Feedback where the eye is, on every page: messages as toasts that leave by themselves (an Undo
// in one lasts as long as the toast), and focus back on the control used after an htmx swap.
// Without JavaScript the messages stay at the top of the page, each Undo a plain form.
(function () {
  "use strict";

  var TOAST_SECONDS = 10;  // long enough to read and reach Undo; paused while pointer or focus is on it

  function timeToasts() {
    document.querySelectorAll("#flash .flash:not(.flash-error):not([data-timed])").forEach(function (toast) {
      toast.setAttribute("data-timed", "");
      var left = TOAST_SECONDS * 1000, started = Date.now(), timer = null, held = 0;
      function run() { started = Date.now(); timer = window.setTimeout(function () { toast.remove(); }, left); }
      function hold() { held += 1; if (timer) { window.clearTimeout(timer); timer = null; left -= Date.now() - started; } }
      function release() { held = Math.max(0, held - 1); if (!held && !timer) run(); }
      toast.addEventListener("mouseenter", hold);
      toast.addEventListener("mouseleave", release);
      toast.addEventListener("focusin", hold);
      toast.addEventListener("focusout", release);
      run();
    });
  }
  document.addEventListener("DOMContentLoaded", timeToasts);
  document.addEventListener("htmx:afterSettle", timeToasts);
  document.addEventListener("htmx:oobAfterSwap", timeToasts);

  // Focus after a swap. htmx itself puts focus back on an element with the same id; for the others
  // (a sort link, a button without id) find the same control in the new content, or else the
  // heading of the region that changed, so focus never falls to <body>.
  function label(element) {
    return (element.textContent || "").replace(/[▲▼←→×]/g, "").replace(/\s+/g, " ").trim();
  }
  function describe(element) {
    return {
      tag: element.tagName,
      text: label(element),
      request: element.getAttribute("hx-post") || element.getAttribute("hx-get") || "",
      action: element.form ? element.form.getAttribute("action") || "" : "",
      name: element.getAttribute("name") || "",
      value: element.value || ""
    };
  }
  function same(candidate, was) {
    if (candidate.tagName !== was.tag) return false;
    if (was.name) return candidate.getAttribute("name") === was.name && (candidate.value || "") === was.value;
    if (label(candidate) !== was.text || !was.text) return false;
    var request = candidate.getAttribute("hx-post") || candidate.getAttribute("hx-get") || "";
    var action = candidate.form ? candidate.form.getAttribute("action") || "" : "";
    // A sort link's URL changes with the order it shows; other controls must be the same action.
    return candidate.closest("th") !== null || (request.split("?")[0] === was.request.split("?")[0] &&
                                                action.split("?")[0] === was.action.split("?")[0]);
  }
  function headingIn(region) {
    var heading = region.querySelector("#manager-name, h1, h2, h3");
    return heading || region;
  }
  var was = null;
  document.addEventListener("htmx:beforeRequest", function () {
    var active = document.activeElement;
    was = active && active !== document.body && active.tagName ? describe(active) : null;
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    var active = document.activeElement;
    if (!was || (active && active !== document.body && document.body.contains(active))) return;
    var region = event.detail.target;
    // An outerHTML swap replaced the target itself: look for its successor.
    if (region && !document.body.contains(region)) region = region.id ? document.getElementById(region.id) : event.target;
    if (!region || !document.body.contains(region) || region.id === "flash") return;
    var controls = region.querySelectorAll("a[href], button, input, select, textarea, summary");
    var found = Array.prototype.filter.call(controls, function (c) { return same(c, was); })[0];
    var target = found || headingIn(region);
    if (!target.matches("a[href], button, input, select, textarea, summary, [tabindex]")) target.setAttribute("tabindex", "-1");
    was = null;
    target.focus();
  });
})();

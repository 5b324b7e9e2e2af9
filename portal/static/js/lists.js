// Portal lists: copy buttons for license keys, and filters that fold away on phones.
// Without JavaScript the key is plain selectable text and the filters stay open.
(function () {
  "use strict";

  var PHONE = window.matchMedia("(max-width: 600px)");
  var live = null;

  function announce(text) {
    if (!live) {
      live = document.createElement("div");
      live.className = "visually-hidden";
      live.setAttribute("aria-live", "polite");
      document.body.appendChild(live);
    }
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text; }, 50);
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.className = "visually-hidden";
    document.body.appendChild(area);
    area.select();
    var done = document.execCommand("copy");
    area.remove();
    return done ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function enhance(root) {
    root.querySelectorAll(".copy-button[hidden]").forEach(function (button) { button.hidden = false; });
    if (!PHONE.matches) return;
    root.querySelectorAll("details[data-fold][open]").forEach(function (details) {
      // Fold the filters unless one is set: the list comes first on a small screen.
      var set = Array.prototype.some.call(details.querySelectorAll("input:not([type=hidden]), select"), function (f) {
        return f.value !== "";
      });
      if (!set) details.open = false;
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest(".copy-button");
    if (!button) return;
    var label = button.textContent;
    copyText(button.getAttribute("data-copy")).then(function () {
      button.textContent = button.getAttribute("data-copied") || "Copied";
      button.classList.add("copied");
      announce(button.textContent);
      window.setTimeout(function () { button.textContent = label; button.classList.remove("copied"); }, 2000);
    });
  });

  // A sort header swapped the results and pushed its URL: the search form keeps that sort,
  // and leaves an empty (default) one out of its URL.
  document.addEventListener("htmx:pushedIntoHistory", function () {
    var sort = new URLSearchParams(window.location.search).get("sort") || "";
    document.querySelectorAll("input[data-list-sort]").forEach(function (input) { input.value = sort; });
  });
  document.addEventListener("htmx:configRequest", function (event) {
    var params = event.detail.parameters;
    if (params && params.sort === "" && event.detail.verb === "get") delete params.sort;
  });

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:load", function (event) { enhance(event.detail.elt); });
})();

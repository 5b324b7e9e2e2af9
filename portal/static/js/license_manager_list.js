// The License Managers list: selection for bulk actions, copy buttons, rows clickable as a whole.
// Everything here is an enhancement: without it the checkboxes, the "All N that match" box and
// the bulk form still work, emails are plain text, and each name is a real link.
(function () {
  "use strict";

  function rowBoxes(form) {
    return Array.prototype.slice.call(form.querySelectorAll('input[type="checkbox"][name="ids"]'));
  }

  // "3 selected" beside the toolbar, and the page box checked (or mixed) as the rows are.
  function updateSelection(form) {
    var boxes = rowBoxes(form);
    var ticked = boxes.filter(function (box) { return box.checked; }).length;
    var pageBox = form.querySelector("[data-select-page]");
    if (pageBox) {
      pageBox.checked = boxes.length > 0 && ticked === boxes.length;
      pageBox.indeterminate = ticked > 0 && ticked < boxes.length;
    }
    var everything = form.querySelector("[data-select-everything]");
    var count = form.querySelector("[data-selected-count]");
    if (count) {
      count.textContent = everything && everything.checked ? "Every manager that matches is selected"
        : ticked ? ticked + " selected" : "";
    }
    boxes.forEach(function (box) {
      var row = box.closest("tr");
      if (row) row.classList.toggle("is-selected", box.checked);
    });
  }

  document.addEventListener("change", function (event) {
    var box = event.target;
    var form = box.closest && box.closest("#bulk-form");
    if (!form) return;
    if (box.matches("[data-select-page]")) {
      rowBoxes(form).forEach(function (row) { row.checked = box.checked; });
    }
    updateSelection(form);
  });

  // Enter on a row's checkbox would submit the bulk form with no action chosen (a 422 for nothing):
  // it opens that row's manager instead, as Enter on the name does.
  document.addEventListener("keydown", function (event) {
    var box = event.target;
    if (event.key !== "Enter" || !box.matches || !box.matches('#bulk-form input[type="checkbox"][name="ids"]')) return;
    event.preventDefault();
    var link = box.closest("tr") && box.closest("tr").querySelector("a.row-link");
    if (link) link.click();
  });

  // Copy buttons: shown only where the clipboard can be written.
  function showCopyButtons(root) {
    if (!navigator.clipboard) return;
    root.querySelectorAll("button.copy[hidden]").forEach(function (button) { button.hidden = false; });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("button.copy[data-copy]");
    if (!button) return;
    event.stopPropagation();
    navigator.clipboard.writeText(button.getAttribute("data-copy")).then(function () {
      var label = button.firstChild;
      label.textContent = "Copied";
      button.classList.add("copied");
      window.setTimeout(function () { label.textContent = "Copy"; button.classList.remove("copied"); }, 1500);
    });
  });

  // A click anywhere on a row opens it, like its name link (which stays the keyboard's way in).
  var INTERACTIVE = "a, button, input, select, textarea, label, summary, details";
  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    var row = event.target.closest && event.target.closest("tr[data-row-link]");
    if (!row || event.target.closest(INTERACTIVE)) return;
    if (window.getSelection && String(window.getSelection()).length) return;  // selecting text, not opening
    var link = row.querySelector("a.row-link");
    if (link) link.click();
  });

  function enhance(root) {
    showCopyButtons(root);
    var form = document.getElementById("bulk-form");
    if (form) updateSelection(form);
  }

  document.addEventListener("DOMContentLoaded", function () { enhance(document); });
  document.addEventListener("htmx:afterSettle", function () { enhance(document); });
})();

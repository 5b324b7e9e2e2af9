// The portal's own confirmation dialog, in place of the browser's confirm() ("127.0.0.1 says")
// for every hx-confirm. A modal <dialog>: focus goes to Cancel (the safe answer), Tab and
// Shift+Tab stay inside it, Escape cancels, and focus returns to the button that asked.
// Without JavaScript the same buttons open the GET confirmation page instead.
(function () {
  "use strict";

  var dialog = null;
  var pending = null;  // {issue: function, opener: Element}

  function build() {
    dialog = document.createElement("dialog");
    dialog.className = "confirm-dialog";
    dialog.id = "confirm-dialog";
    dialog.setAttribute("aria-labelledby", "confirm-dialog-title");
    dialog.setAttribute("aria-describedby", "confirm-dialog-question");
    var title = document.createElement("h2");
    title.id = "confirm-dialog-title";
    var question = document.createElement("p");
    question.id = "confirm-dialog-question";
    var actions = document.createElement("div");
    actions.className = "confirm-actions";
    var cancel = document.createElement("button");
    cancel.type = "button";
    cancel.className = "button";
    cancel.setAttribute("data-answer", "cancel");
    var ok = document.createElement("button");
    ok.type = "button";
    ok.className = "button danger";
    ok.setAttribute("data-answer", "ok");
    actions.append(cancel, ok);
    dialog.append(title, question, actions);
    document.body.appendChild(dialog);

    dialog.addEventListener("click", function (event) {
      var button = event.target.closest("[data-answer]");
      if (button) close(button.getAttribute("data-answer") === "ok");
    });
    // Escape: the dialog's own cancel event.
    dialog.addEventListener("cancel", function (event) {
      event.preventDefault();
      close(false);
    });
    // Keep Tab inside the dialog (the browser would move on to its own toolbar).
    dialog.addEventListener("keydown", function (event) {
      if (event.key !== "Tab") return;
      var buttons = dialog.querySelectorAll("button");
      var first = buttons[0], last = buttons[buttons.length - 1];
      if (event.shiftKey && document.activeElement === first) { event.preventDefault(); last.focus(); }
      else if (!event.shiftKey && document.activeElement === last) { event.preventDefault(); first.focus(); }
    });
  }

  function close(confirmed) {
    var was = pending;
    pending = null;
    if (dialog.open) dialog.close();
    if (!was) return;
    if (was.opener && was.opener.isConnected) was.opener.focus();
    if (confirmed) was.issue();
  }

  function ask(question, elt, issue) {
    if (!dialog) build();
    // hx-confirm on a form: its submit button is what the person pressed and gets focus back.
    var opener = elt.matches("form") ? (elt.querySelector("[type=submit]") || elt) : elt;
    var labels = Object.assign({}, elt.dataset, opener.dataset);
    dialog.querySelector("#confirm-dialog-title").textContent = labels.confirmTitle || "Please confirm";
    dialog.querySelector("#confirm-dialog-question").textContent = question;
    dialog.querySelector('[data-answer="ok"]').textContent = labels.confirmLabel || opener.textContent.trim() || "OK";
    dialog.querySelector('[data-answer="cancel"]').textContent = labels.cancelLabel || "Cancel";
    pending = {issue: issue, opener: opener};
    dialog.showModal();
    dialog.querySelector('[data-answer="cancel"]').focus();
  }

  document.addEventListener("htmx:confirm", function (event) {
    var question = event.detail.question;
    if (!question) return;  // htmx fires this for every request; only hx-confirm asks
    event.preventDefault();
    ask(question, event.detail.elt, function () { event.detail.issueRequest(true); });
  });
})();

// The header's account menu (a <details>): Escape or a click elsewhere closes it. It works without this file.
(function () {
  "use strict";
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = document.getElementById("account-menu");
    if (menu && menu.open) {
      menu.open = false;
      menu.querySelector("summary").focus();
    }
  });
  document.addEventListener("click", function (event) {
    var menu = document.getElementById("account-menu");
    if (menu && menu.open && !menu.contains(event.target)) menu.open = false;
  });
})();

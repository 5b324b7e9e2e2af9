// The License Managers page as one master–detail. Everything here is an enhancement: without
// JavaScript every row, tab, close button and action is a link or a form that loads a page.
// - The open manager's row is marked (aria-current) and kept in view.
// - j/k and ↓/↑ (in the list) move to the next/previous manager, the pane following; Escape closes.
// - History: opening the pane pushes one entry, everything inside it replaces that entry (the
//   server says which), so Back or Close leaves the pane in one step with the list as it was.
// - The permission form says when it has unsaved changes, and asks before they are thrown away.
// - A separator between list and pane resizes them (pointer or arrow keys), remembered here.
(function () {
  "use strict";

  var LIST_PATH = "/vendor/license-managers";
  var PANE_PATH = /^\/vendor\/license-managers\/(\d+)(\/[a-z-]+)?\/?$/;
  var WIDTH_KEY = "licenseManagers.listWidth";
  var MIN_LIST = 260, MIN_PANE = 560, STEP = 24;
  var pushedPane = false;  // this document pushed the pane's entry over the same list: Close is Back
  var lastPath = location.pathname + location.search;
  var focusRowAfter = null;  // after j/k from the list, focus stays on the list's new row
  var pendingId = null;  // the manager asked for by j/k whose pane has not arrived yet

  function layout() { return document.querySelector("[data-managers-page]"); }
  function pane() { return document.getElementById("detail-pane"); }
  function openId() {
    var head = pane() && pane().querySelector("[data-manager-id]");
    return head ? head.getAttribute("data-manager-id") : null;
  }
  function pathOf(url) { return new URL(url, location.href); }
  function rowLink(row) {
    return Array.prototype.filter.call(row.querySelectorAll("a[href]"), function (a) {
      return PANE_PATH.test(pathOf(a.getAttribute("href")).pathname);
    })[0] || null;
  }
  function rowId(row) {
    var link = rowLink(row);
    return link ? pathOf(link.getAttribute("href")).pathname.match(PANE_PATH)[1] : null;
  }
  function rows() {
    return Array.prototype.filter.call(document.querySelectorAll("#results tbody tr"), rowLink);
  }
  function rowOf(id) { return rows().filter(function (row) { return rowId(row) === id; })[0] || null; }
  function isTyping(element) {
    return !!(element && element.closest && element.closest("input, select, textarea, [contenteditable]"));
  }

  // The overview's query, compared without its defaults and blanks.
  function canonical(search) {
    var params = new URLSearchParams(search), kept = [];
    params.forEach(function (value, key) {
      if (!value || (key === "sort" && value === "-created") || (key === "page" && value === "1")) return;
      kept.push(key + "=" + value);
    });
    return kept.sort().join("&");
  }
  function listQuery() {
    var results = document.getElementById("results");
    return results ? canonical(pathOf(results.getAttribute("hx-get") || "").search) : null;
  }

  function markSelected(scroll) {
    var id = openId();
    rows().forEach(function (row) {
      if (id && rowId(row) === id) {
        row.setAttribute("aria-current", "true");
        if (scroll) row.scrollIntoView({block: "nearest"});
      } else {
        row.removeAttribute("aria-current");
      }
    });
    var handle = layout() && layout().querySelector(".pane-resizer");
    if (handle) handle.hidden = !id;
  }

  // Unsaved changes in the permission form (or any form marked data-track-changes).
  function dirtyForm() { return pane() ? pane().querySelector("form[data-dirty]") : null; }
  function mayLeave() {
    return !dirtyForm() || window.confirm("The permissions have unsaved changes. Discard them?");
  }
  function markDirty(event) {
    var form = event.target.form || (event.target.closest && event.target.closest("form"));
    if (!form || !form.hasAttribute("data-track-changes")) return;
    form.setAttribute("data-dirty", "");
    var note = form.querySelector("[data-unsaved-note]");
    if (note) note.hidden = false;
  }
  document.addEventListener("input", markDirty);
  document.addEventListener("change", markDirty);
  document.addEventListener("htmx:confirm", function (event) {
    // Another manager, another tab or a page of the list would replace the edited form.
    var form = dirtyForm(), source = event.detail.elt;
    var verb = (event.detail.verb || "").toLowerCase();
    if (!form || verb !== "get" || form.contains(source) || !source.closest("#results tbody, #detail-pane")) return;
    if (!mayLeave()) event.preventDefault();
  });

  // Open, move, close.
  function open(row, keepFocusOnList) {
    var link = rowLink(row);
    if (!link || !window.htmx) return;
    focusRowAfter = keepFocusOnList ? rowId(row) : null;
    pendingId = rowId(row);  // a key pressed again before the pane arrives moves on from here
    window.htmx.ajax("GET", link.getAttribute("href"), {source: link, target: "#detail-pane", swap: "innerHTML"});
  }
  function clearPane() {
    var id = openId();
    pane().replaceChildren();
    markSelected(false);
    var row = id && rowOf(id);
    var link = row && rowLink(row);
    if (link) { link.focus(); row.scrollIntoView({block: "nearest"}); }
    else document.getElementById("main").focus();
  }
  function close() {
    if (!openId() || !mayLeave()) return;
    var closer = pane().querySelector("[data-pane-close]");
    var listUrl = closer ? closer.getAttribute("href") : LIST_PATH;
    if (pushedPane && canonical(pathOf(listUrl).search) === listQuery()) {
      pushedPane = false;
      var form = dirtyForm();
      if (form) form.removeAttribute("data-dirty");
      history.back();  // the popstate below closes the pane in place
      return;
    }
    clearPane();
    history.replaceState({htmx: true}, "", listUrl);
    lastPath = location.pathname + location.search;
  }
  function move(step, event) {
    var all = rows();
    if (!all.length) return;
    var inList = event.target.closest && event.target.closest("#results tbody tr");
    var current = inList || rowOf(pendingId || openId());
    var index = current ? all.indexOf(current) + step : (step > 0 ? 0 : all.length - 1);
    if (index < 0 || index >= all.length) return;
    event.preventDefault();
    if (openId()) open(all[index], !!inList);
    else rowLink(all[index]).focus();
  }
  document.addEventListener("keydown", function (event) {
    if (!layout() || event.defaultPrevented || event.altKey || event.ctrlKey || event.metaKey) return;
    var target = event.target;
    if (event.key === "ArrowDown" && target.id === "q" && rows().length) {  // from the search into its results
      event.preventDefault();
      rowLink(rows()[0]).focus();
      return;
    }
    if (isTyping(target)) return;
    var inList = target.closest && target.closest("#results tbody");
    var onPaneHead = target === document.body || (target.closest && target.closest("#manager-name"));
    if (event.key === "j" || (event.key === "ArrowDown" && (inList || (openId() && onPaneHead)))) move(1, event);
    else if (event.key === "k" || (event.key === "ArrowUp" && (inList || (openId() && onPaneHead)))) move(-1, event);
    else if (event.key === "Escape" && openId() && !document.querySelector("details[open]:focus-within")) {
      event.preventDefault();
      close();
    }
  });
  document.addEventListener("click", function (event) {
    var closer = event.target.closest && event.target.closest("[data-pane-close]");
    if (!closer || !layout()) return;
    event.preventDefault();
    close();
  });

  // History: remember whether the pane's entry sits right above the same list, and close the pane
  // in place when Back returns to that list (no reload, the list's scroll and focus kept).
  document.addEventListener("htmx:pushedIntoHistory", function (event) {
    var to = pathOf(event.detail.path), from = pathOf(lastPath);
    pushedPane = PANE_PATH.test(to.pathname) && from.pathname === LIST_PATH && canonical(to.search) === canonical(from.search);
    lastPath = to.pathname + to.search;
  });
  document.addEventListener("htmx:replacedInHistory", function (event) {
    var to = pathOf(event.detail.path);
    lastPath = to.pathname + to.search;
  });
  document.addEventListener("htmx:historyCacheMiss", function (event) {
    var to = pathOf(event.detail.path);
    if (!layout() || to.pathname !== LIST_PATH || canonical(to.search) !== listQuery()) return;
    event.preventDefault();
    pushedPane = false;
    lastPath = to.pathname + to.search;
    if (openId()) clearPane();
  });
  document.addEventListener("htmx:historyRestore", function () {
    pushedPane = false;
    lastPath = location.pathname + location.search;
    setUp();
  });

  // After the pane or the list changed: the marked row, and focus where the keyboard was.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (!layout()) return;
    var target = event.detail.target;
    var paneChanged = target && target.id === "detail-pane";
    if (paneChanged && openId() === pendingId) pendingId = null;
    markSelected(paneChanged);
    var row = focusRowAfter && rowOf(focusRowAfter);
    if (paneChanged && row) { focusRowAfter = null; rowLink(row).focus(); }
  });

  // The separator between the list and the pane.
  function clampWidth(width) {
    var total = layout().getBoundingClientRect().width;
    return Math.round(Math.max(MIN_LIST, Math.min(width, total - MIN_PANE)));
  }
  function setWidth(width, save) {
    var handle = layout().querySelector(".pane-resizer");
    width = clampWidth(width);
    layout().style.setProperty("--list-width", width + "px");
    if (handle) {
      handle.setAttribute("aria-valuenow", String(width));
      handle.setAttribute("aria-valuetext", width + " pixels for the list");
    }
    if (save) { try { window.localStorage.setItem(WIDTH_KEY, String(width)); } catch (e) { /* private mode */ } }
  }
  function listWidth() {
    var list = layout().querySelector(".managers-list");
    return list ? list.getBoundingClientRect().width : MIN_LIST;
  }
  function setUpResizer() {
    var root = layout();
    if (!root || root.querySelector(".pane-resizer")) return;
    var handle = document.createElement("div");
    handle.className = "pane-resizer";
    handle.tabIndex = 0;
    handle.setAttribute("role", "separator");
    handle.setAttribute("aria-orientation", "vertical");
    handle.setAttribute("aria-label", "Width of the list beside the details");
    handle.setAttribute("aria-controls", "detail-pane");
    handle.setAttribute("aria-valuemin", String(MIN_LIST));
    handle.setAttribute("aria-valuemax", "2000");
    handle.setAttribute("aria-valuenow", "0");
    root.insertBefore(handle, pane());
    var saved = null;
    try { saved = window.localStorage.getItem(WIDTH_KEY); } catch (e) { saved = null; }
    if (saved) setWidth(parseInt(saved, 10), false);
    handle.addEventListener("pointerdown", function (event) {
      event.preventDefault();
      handle.setPointerCapture(event.pointerId);
      var left = root.getBoundingClientRect().left;
      function follow(moved) { setWidth(moved.clientX - left, false); }
      function stop() {
        handle.removeEventListener("pointermove", follow);
        handle.removeEventListener("pointerup", stop);
        setWidth(listWidth(), true);
      }
      handle.addEventListener("pointermove", follow);
      handle.addEventListener("pointerup", stop);
    });
    handle.addEventListener("keydown", function (event) {
      var width = {ArrowLeft: listWidth() - STEP, ArrowRight: listWidth() + STEP, Home: MIN_LIST, End: 99999}[event.key];
      if (width === undefined) return;
      event.preventDefault();
      setWidth(width, true);
    });
  }

  // The pane scrolls on its own; its height follows its place on screen, so its bottom stays in view.
  var fitting = false;
  function fitPane() {
    fitting = false;
    var root = layout(), box = pane();
    if (!root || !box || !openId()) return;
    root.style.setProperty("--pane-top", Math.max(8, Math.round(box.getBoundingClientRect().top)) + "px");
  }
  function fitSoon() { if (!fitting) { fitting = true; window.requestAnimationFrame(fitPane); } }
  window.addEventListener("scroll", fitSoon, {passive: true});
  window.addEventListener("resize", fitSoon);
  document.addEventListener("htmx:afterSettle", fitSoon);

  function setUp() {
    if (!layout()) return;
    setUpResizer();
    markSelected(true);
    fitSoon();
  }
  document.addEventListener("DOMContentLoaded", setUp);
})();

// The agent panel's enhancements. Every page works without this file: it only adds
// keyboard shortcuts, "select all", canned-response insertion and a tidier reply form.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Keys are the agent's text while a field takes text; a ticked checkbox takes none.
  var NOT_TEXT = ["checkbox", "radio", "button", "submit", "reset"];
  function typing(target) {
    var field = target.closest("input, textarea, select, [contenteditable]");
    return field !== null && !(field.tagName === "INPUT" && NOT_TEXT.indexOf(field.type) >= 0);
  }

  function openAction(id, fieldName) {
    var panel = document.getElementById(id);
    if (!panel) return;
    panel.open = true;
    var field = panel.querySelector("[name='" + fieldName + "']");
    if (field) field.focus();
  }

  // Queue rows: j/k move, x selects, Enter opens (the row's link has the focus).
  var current = -1;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("tr.queue-row")); }
  function move(step) {
    var all = rows();
    if (!all.length) return;
    if (all[current]) all[current].classList.remove("keyboard-current");
    current = Math.max(0, Math.min(all.length - 1, current + step));
    all[current].classList.add("keyboard-current");
    all[current].querySelector("a.ticket-link").focus();
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || typing(event.target)) return;
    var all = rows();
    switch (event.key) {
      case "/":
        var search = document.getElementById("id_q") || document.getElementById("global-search");
        if (search) { event.preventDefault(); search.focus(); search.select(); }
        break;
      case "j": move(1); break;
      case "k": move(-1); break;
      case "x":
        if (all[current]) {
          var box = all[current].querySelector("input.row-select");
          box.checked = !box.checked;
        }
        break;
      case "r": event.preventDefault(); openAction("action-reply", "reply-body"); break;
      case "n": event.preventDefault(); openAction("action-note", "note-body"); break;
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    var selectAll = document.getElementById("select-all");
    if (selectAll) {
      selectAll.addEventListener("change", function () {
        document.querySelectorAll("input.row-select").forEach(function (box) {
          box.checked = selectAll.checked;
        });
      });
    }

    // Canned responses: insert the text already rendered by the server, no page load.
    var canned = document.getElementById("canned-select");
    var replyBody = document.querySelector("textarea[name='reply-body']");
    if (canned && replyBody) {
      canned.form.querySelector("button").hidden = true;
      canned.addEventListener("change", function () {
        var option = canned.options[canned.selectedIndex];
        if (!option.value) return;
        var text = option.getAttribute("data-body");
        replyBody.value = replyBody.value ? replyBody.value + "\n\n" + text : text;
        canned.value = "";
        replyBody.focus();
      });
    }

    // The reply's resolution fields matter only when the reply resolves the ticket.
    var status = document.querySelector("select[name='reply-status']");
    if (status) {
      var names = ["root_cause", "resolution", "category", "minutes"];
      var toggle = function () {
        names.forEach(function (name) {
          var wrapper = document.getElementById("div_id_reply-" + name);
          if (wrapper) wrapper.classList.toggle("reply-resolution-hidden", status.value !== "resolved");
        });
      };
      status.addEventListener("change", toggle);
      toggle();
    }
  });
})();

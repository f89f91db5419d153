// A visible character counter under every capped text area (emgplan/forms.py marks them with data-counter).
(function () {
  "use strict";
  function attach(area) {
    if (area.dataset.counterReady) return;
    area.dataset.counterReady = "1";
    var max = parseInt(area.getAttribute("maxlength"), 10);
    var note = document.createElement("div");
    note.className = "form-text text-end char-counter";
    note.id = (area.id || "text") + "-counter";
    area.insertAdjacentElement("afterend", note);
    var described = area.getAttribute("aria-describedby");
    area.setAttribute("aria-describedby", (described ? described + " " : "") + note.id);
    function update() {
      var left = max - area.value.length;
      note.textContent = area.value.length.toLocaleString() + " of " + max.toLocaleString() + " characters";
      note.classList.toggle("text-danger", left < max / 20);
    }
    area.addEventListener("input", update);
    update();
  }
  function scan(root) {
    (root.querySelectorAll ? root : document).querySelectorAll("textarea[data-counter][maxlength]").forEach(attach);
  }
  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  document.addEventListener("htmx:load", function (event) { scan(event.detail.elt); });
})();

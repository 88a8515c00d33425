// The clip page between polls: the undo bar counts down and goes away, and the «Публикация
// началась» banner goes away once nothing is moving any more.
(function () {
  "use strict";

  function settle() {
    var publications = document.getElementById("publications");
    if (publications && publications.dataset.inFlight === "false") {
      document.querySelectorAll(".msg.publish-started").forEach(function (el) { el.remove(); });
    }
    document.querySelectorAll("[data-undo-seconds]:not([data-undo-started])").forEach(function (bar) {
      bar.setAttribute("data-undo-started", "1");
      var left = parseInt(bar.dataset.undoSeconds, 10) || 0;
      var counter = bar.querySelector("[data-undo-left]");
      var timer = window.setInterval(function () {
        left -= 1;
        if (counter) counter.textContent = String(Math.max(left, 0));
        if (left <= 0 || !document.body.contains(bar)) {
          window.clearInterval(timer);
          bar.remove();
        }
      }, 1000);
    });
  }

  document.addEventListener("DOMContentLoaded", settle);
  document.addEventListener("htmx:afterSettle", settle);
})();

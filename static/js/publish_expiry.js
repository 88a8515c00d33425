// The publish panel: warn when the chosen time falls after a place's token expires (a token
// the user pasted cannot be renewed by itself). Times compare as the user's local
// "YYYY-MM-DDTHH:MM" strings, both rendered in the user's time zone.
(function () {
  function update(form) {
    var input = form.querySelector('input[name="scheduled_at"]');
    var when = input && input.value ? input.value.slice(0, 16) : "";
    form.querySelectorAll("[data-expires-at]").forEach(function (option) {
      var box = option.querySelector('input[name="destinations"]');
      var warning = option.querySelector("[data-expiry-warning]");
      if (!warning) return;
      var late = when !== "" && box && box.checked && when >= option.dataset.expiresAt;
      warning.hidden = !late;
    });
  }
  function bind() {
    var panel = document.getElementById("publish-panel");
    if (!panel) return;
    var form = panel.querySelector("form");
    if (!form) return;
    form.addEventListener("input", function () { update(form); });
    form.addEventListener("change", function () { update(form); });
    document.body.addEventListener("htmx:afterSwap", function () { update(form); });
    update(form);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", bind);
  } else {
    bind();
  }
})();

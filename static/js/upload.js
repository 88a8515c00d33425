// Clip upload with a progress bar: the form posts by XMLHttpRequest so that upload progress
// can be shown; without JavaScript the same form posts normally.
(function () {
  "use strict";

  function formatPercent(loaded, total) {
    return total ? Math.floor((loaded * 100) / total) : 0;
  }

  function showErrors(list, messages) {
    list.innerHTML = "";
    messages.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      list.appendChild(item);
    });
  }

  function collectErrors(payload) {
    var messages = [];
    var errors = (payload && payload.errors) || {};
    Object.keys(errors).forEach(function (field) {
      errors[field].forEach(function (err) {
        messages.push(typeof err === "string" ? err : err.message);
      });
    });
    return messages.length ? messages : ["Не удалось загрузить клип. Попробуйте ещё раз."];
  }

  function bind(form) {
    var bar = form.querySelector("[data-upload-progress]");
    var fill = bar.querySelector("div");
    var status = form.querySelector("[data-upload-status]");
    var errors = form.querySelector("[data-upload-errors]");
    var button = form.querySelector("button[type=submit]");
    var maxBytes = parseInt(form.dataset.maxBytes, 10);

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var input = form.querySelector("input[type=file]");
      var file = input.files && input.files[0];
      if (!file) {
        showErrors(errors, ["Выберите файл клипа."]);
        return;
      }
      if (file.size === 0) {
        showErrors(errors, ["Файл пустой. Выберите другой файл."]);
        return;
      }
      if (maxBytes && file.size > maxBytes) {
        showErrors(errors, [
          "Файл больше " + form.dataset.maxLabel + ". Сократите или сожмите клип.",
        ]);
        return;
      }
      showErrors(errors, []);
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.upload.addEventListener("progress", function (e) {
        var percent = formatPercent(e.loaded, e.lengthComputable ? e.total : file.size);
        fill.style.width = percent + "%";
        status.textContent = "Загрузка: " + percent + " %";
      });
      xhr.upload.addEventListener("load", function () {
        fill.style.width = "100%";
        status.textContent = "Файл передан, проверяем видео…";
      });
      xhr.addEventListener("load", function () {
        var payload = null;
        try {
          payload = JSON.parse(xhr.responseText);
        } catch (err) {
          payload = null;
        }
        if (xhr.status === 201 && payload && payload.redirect) {
          window.location.assign(payload.redirect);
          return;
        }
        button.disabled = false;
        bar.hidden = true;
        status.textContent = "";
        showErrors(errors, collectErrors(payload));
      });
      xhr.addEventListener("error", function () {
        button.disabled = false;
        bar.hidden = true;
        status.textContent = "";
        showErrors(errors, ["Связь прервалась во время загрузки. Проверьте интернет и загрузите клип ещё раз."]);
      });
      button.disabled = true;
      bar.hidden = false;
      fill.style.width = "0%";
      status.textContent = "Загрузка: 0 %";
      xhr.send(new FormData(form));
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-upload-form]").forEach(bind);
  });
})();

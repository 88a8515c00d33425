// Clip upload: drag-and-drop onto the form, a progress bar, and resumable uploads (tus) that
// continue from the bytes the server already has after a dropped connection or a page reload
// (the same file chosen again). Without tus support, or without JavaScript, the same form posts
// the file in one request.
(function () {
  "use strict";

  var RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 20000, 30000, 60000];

  function percentOf(loaded, total) {
    return total ? Math.floor((loaded * 100) / total) : 0;
  }

  function sizeText(bytes) {
    if (bytes >= 1024 * 1024 * 1024) return (bytes / 1024 / 1024 / 1024).toFixed(1).replace(".", ",") + " ГБ";
    return Math.max(1, Math.round(bytes / 1024 / 1024)) + " МБ";
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

  function tusErrorText(err) {
    var response = err && err.originalResponse;
    if (response) {
      try {
        var detail = JSON.parse(response.getBody() || "{}").detail;
        if (detail) return detail;
      } catch (e) { /* not JSON */ }
    }
    return "Связь прервалась. Загруженная часть сохранена: нажмите «Продолжить загрузку», когда интернет вернётся.";
  }

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function bind(form) {
    var bar = form.querySelector("[data-upload-progress]");
    var fill = bar.querySelector("div");
    var status = form.querySelector("[data-upload-status]");
    var errors = form.querySelector("[data-upload-errors]");
    var button = form.querySelector("button[type=submit]");
    var stop = form.querySelector("[data-upload-stop]");
    var input = form.querySelector("input[type=file]");
    var drop = form.querySelector("[data-drop-zone]");
    var chosen = form.querySelector("[data-drop-chosen]");
    var maxBytes = parseInt(form.dataset.maxBytes, 10);
    var chunkBytes = parseInt(form.dataset.chunkBytes, 10) || Infinity;
    var endpoint = form.dataset.tusEndpoint;
    var current = null;

    function showChosen() {
      var file = input.files && input.files[0];
      chosen.textContent = file ? "Выбран файл: " + file.name + " (" + sizeText(file.size) + ")" : "";
    }

    function setProgress(loaded, total) {
      var percent = percentOf(loaded, total);
      bar.hidden = false;
      fill.style.width = percent + "%";
      bar.setAttribute("aria-valuenow", String(percent));
      status.textContent = "Загрузка: " + percent + " % (" + sizeText(loaded) + " из " + sizeText(total) + ")";
    }

    function idle() {
      button.disabled = false;
      if (stop) stop.hidden = true;
      current = null;
    }

    input.addEventListener("change", showChosen);
    if (drop) {
      ["dragenter", "dragover"].forEach(function (name) {
        drop.addEventListener(name, function (event) {
          event.preventDefault();
          drop.classList.add("dragging");
        });
      });
      ["dragleave", "drop"].forEach(function (name) {
        drop.addEventListener(name, function () {
          drop.classList.remove("dragging");
        });
      });
      drop.addEventListener("drop", function (event) {
        event.preventDefault();
        if (event.dataTransfer && event.dataTransfer.files.length) {
          input.files = event.dataTransfer.files;
          showChosen();
        }
      });
    }
    if (stop) {
      stop.addEventListener("click", function () {
        if (!current) return;
        current.abort();
        idle();
        button.textContent = "Продолжить загрузку";
        status.textContent = "Загрузка остановлена. Полученная часть сохранена.";
      });
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
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
        showErrors(errors, ["Файл больше " + form.dataset.maxLabel + ". Сократите или сожмите клип."]);
        return;
      }
      showErrors(errors, []);
      button.disabled = true;
      if (window.tus && window.tus.isSupported && endpoint) {
        uploadResumable(file);
      } else {
        uploadOnce(file);
      }
    });

    function uploadResumable(file) {
      var upload = new window.tus.Upload(file, {
        endpoint: endpoint,
        chunkSize: chunkBytes,
        retryDelays: RETRY_DELAYS,
        removeFingerprintOnSuccess: true,
        headers: { "X-CSRFToken": csrfToken(form) },
        metadata: {
          filename: file.name,
          filetype: file.type,
          title: form.querySelector("[name=title]").value,
          description: form.querySelector("[name=description]").value,
        },
        onProgress: setProgress,
        onError: function (err) {
          idle();
          button.textContent = "Продолжить загрузку";
          showErrors(errors, [tusErrorText(err)]);
        },
        onSuccess: function (payload) {
          fill.style.width = "100%";
          status.textContent = "Файл передан, проверяем видео…";
          var response = payload && payload.lastResponse;
          var url = response && response.getHeader("Clip-Url");
          window.location.assign(url || form.action);
        },
      });
      current = upload;
      if (stop) stop.hidden = false;
      status.textContent = "Подготовка…";
      upload.findPreviousUploads().then(function (previous) {
        if (previous.length) {
          upload.resumeFromPreviousUpload(previous[0]);
          status.textContent = "Продолжаем с того места, где загрузка остановилась…";
        }
        upload.start();
      });
    }

    function uploadOnce(file) {
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.action);
      xhr.setRequestHeader("X-Requested-With", "XMLHttpRequest");
      xhr.upload.addEventListener("progress", function (e) {
        setProgress(e.loaded, e.lengthComputable ? e.total : file.size);
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
        idle();
        bar.hidden = true;
        status.textContent = "";
        showErrors(errors, collectErrors(payload));
      });
      xhr.addEventListener("error", function () {
        idle();
        bar.hidden = true;
        status.textContent = "";
        showErrors(errors, ["Связь прервалась во время загрузки. Проверьте интернет и загрузите клип ещё раз."]);
      });
      setProgress(0, file.size);
      xhr.send(new FormData(form));
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-upload-form]").forEach(bind);
  });
})();

// The calendar: drag a scheduled publication onto another day to move it there (keeping its
// time). Plain HTML5 drag and drop; the drop posts the same form as «Перенести» and the page
// reloads on success, or says why not.
(function () {
  "use strict";

  function csrfToken() {
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    if (match) return decodeURIComponent(match[1]);
    var headers = document.body.getAttribute("hx-headers");
    try { return JSON.parse(headers)["X-CSRFToken"]; } catch (e) { return ""; }
  }

  function say(text, ok) {
    var box = document.querySelector("[data-cal-status]");
    if (!box) return;
    box.textContent = text;
    box.classList.toggle("ok", !!ok);
    box.hidden = false;
  }

  function move(entry, day, undo) {
    var body = new URLSearchParams();
    body.set("scheduled_at", day + "T" + entry.dataset.time);
    return fetch(entry.dataset.moveUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "X-CSRFToken": csrfToken(),
        "X-Requested-With": "XMLHttpRequest",
        "Content-Type": "application/x-www-form-urlencoded",
      },
      body: body.toString(),
    }).then(function (response) {
      return response.json().then(function (data) {
        if (data.ok) {
          say(data.message, true);
          window.location.reload();
        } else {
          undo();
          say((data.errors || ["Не удалось перенести публикацию."]).join(" "), false);
        }
      });
    }).catch(function () {
      undo();
      say("Не удалось перенести публикацию: нет связи с сервером. Попробуйте ещё раз.", false);
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    var dragged = null;
    document.querySelectorAll(".cal-entry.movable").forEach(function (entry) {
      entry.addEventListener("dragstart", function (event) {
        dragged = entry;
        entry.classList.add("dragging");
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", entry.dataset.publicationId);
      });
      entry.addEventListener("dragend", function () {
        entry.classList.remove("dragging");
        dragged = null;
      });
    });
    document.querySelectorAll(".cal-day[data-date]").forEach(function (day) {
      day.addEventListener("dragover", function (event) {
        if (!dragged) return;
        event.preventDefault();
        event.dataTransfer.dropEffect = "move";
        day.classList.add("drop-target");
      });
      day.addEventListener("dragleave", function () { day.classList.remove("drop-target"); });
      day.addEventListener("drop", function (event) {
        event.preventDefault();
        day.classList.remove("drop-target");
        if (!dragged) return;
        var entry = dragged;
        if (entry.closest(".cal-day") === day) return;
        var home = entry.parentNode, next = entry.nextSibling;
        day.querySelector(".cal-entries").appendChild(entry);
        // Refused: the entry goes back where it was.
        move(entry, day.dataset.date, function () { home.insertBefore(entry, next); });
      });
    });
  });
})();

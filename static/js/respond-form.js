// A respondent's form: a copy of the answers in this browser until they are saved, so that a
// lost connection or a closed tab loses nothing; put back with a notice, cleared once saved.
(function () {
  "use strict";
  var form = document.querySelector("form[data-respond-key]");
  if (!form) return;
  var key = form.dataset.respondKey;
  var storage;
  try {
    storage = window.localStorage;
    storage.getItem(key);
  } catch (e) {
    return;
  }

  function snapshot() {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || el.name === "csrfmiddlewaretoken") return;
      if (el.type === "radio") {
        if (el.checked) fields[el.name] = el.value;
        else if (!(el.name in fields)) fields[el.name] = "";
      } else if (el.tagName === "TEXTAREA") {
        fields[el.name] = el.value;
      }
    });
    return fields;
  }

  function write() {
    try { storage.setItem(key, JSON.stringify(snapshot())); } catch (e) { /* full */ }
  }

  if (form.hasAttribute("data-saved")) {
    storage.removeItem(key);
  } else if (form.hasAttribute("data-posted")) {
    write();
  } else {
    var copy = null;
    try { copy = JSON.parse(storage.getItem(key) || "null"); } catch (e) { copy = null; }
    if (copy && JSON.stringify(copy) !== JSON.stringify(snapshot())) {
      Object.keys(copy).forEach(function (name) {
        form.querySelectorAll("[name='" + name + "']").forEach(function (el) {
          if (el.type === "radio") el.checked = el.value === copy[name];
          else el.value = copy[name];
          el.dispatchEvent(new Event("text-restored"));
        });
      });
      var notice = document.createElement("div");
      notice.className = "alert alert-warning draft-restored";
      notice.setAttribute("role", "status");
      notice.textContent = form.dataset.restored;
      form.insertAdjacentElement("beforebegin", notice);
    } else if (copy) {
      storage.removeItem(key);
    }
  }
  form.addEventListener("input", write);
  form.addEventListener("change", write);
})();

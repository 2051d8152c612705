// Self-assessment form: warn before leaving with unsaved changes, keep a copy of what is
// typed in this browser until it is saved, and add evidence rows without a round trip
// (the "Add another link" button still works without JavaScript).
(function () {
  "use strict";
  var form = document.querySelector("form[data-unsaved-warning]");
  if (!form) return;
  var dirty = false;
  var submitting = false;

  form.addEventListener("input", function () { dirty = true; });
  form.addEventListener("change", function () { dirty = true; });
  form.addEventListener("submit", function () { submitting = true; });
  window.addEventListener("beforeunload", function (event) {
    if (dirty && !submitting) {
      event.preventDefault();
      // Older browsers show this text; newer ones show their own message.
      event.returnValue = form.dataset.unsavedWarning;
      return form.dataset.unsavedWarning;
    }
  });

  var addButton = form.querySelector("[data-add-evidence]");
  var template = document.getElementById("evidence-template");
  var total = form.querySelector("input[name='evidence-TOTAL_FORMS']");
  var rows = form.querySelector(".evidence-rows");
  var maxForms = form.querySelector("input[name='evidence-MAX_NUM_FORMS']");

  function addRow() {
    var index = parseInt(total.value, 10) || 0;
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var row = holder.firstElementChild;
    var none = rows.querySelector(".evidence-none");
    if (none) none.remove();
    rows.appendChild(row);
    total.value = String(index + 1);
    return row;
  }

  if (addButton && template && total && rows) {
    // With this script the button adds a row on the spot and saves nothing.
    var note = form.querySelector("[data-add-evidence-note]");
    if (note) note.hidden = true;
    addButton.addEventListener("click", function (event) {
      var index = parseInt(total.value, 10) || 0;
      if (maxForms && index >= parseInt(maxForms.value, 10)) return; // let the server explain
      event.preventDefault();
      var row = addRow();
      dirty = true;
      var first = row.querySelector("input");
      if (first) first.focus();
    });
  }

  // On a conflict: put their text or mine back in the form, field by field.
  document.querySelectorAll("[data-use-value]").forEach(function (button) {
    var box = form.querySelector("[name='" + button.dataset.useValue + "']");
    if (!box) return;
    button.hidden = false;
    button.addEventListener("click", function () {
      box.value = button.dataset.value;
      box.dispatchEvent(new Event("input", { bubbles: true }));
      box.focus();
    });
  });

  // --- a copy of what is typed, in this browser, until it is saved -------------------------
  // Kept in localStorage under one key per assessment and criterion, with the version the
  // text started from, so that it survives an ended session, a lost connection, a closed
  // tab or a crash. Put back with a notice when the page shows something else; cleared
  // once a save went through (the page then shows a later version and no error).
  var key = form.dataset.draftKey;
  var baseInput = form.querySelector("input[name='base_version']");
  if (!key || !baseInput) return;
  var storage;
  try {
    storage = window.localStorage;
    storage.getItem(key);
  } catch (e) {
    return; // storage disabled: the server still keeps what a refused save sent
  }
  var SKIP = /^(csrfmiddlewaretoken|action|base_version|evidence-(INITIAL|MIN_NUM|MAX_NUM)_FORMS)$/;

  function snapshot() {
    var fields = {};
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || SKIP.test(el.name) || el.type === "submit" || el.type === "button") return;
      if (el.type === "file") return; // a browser never lets a page choose a file
      if (el.type === "radio") {
        if (el.checked) fields[el.name] = el.value;
        else if (!(el.name in fields)) fields[el.name] = "";
      } else if (el.type === "checkbox") {
        fields[el.name] = el.checked ? "on" : "";
      } else {
        fields[el.name] = el.value;
      }
    });
    return fields;
  }

  function write(submitted) {
    var copy = {
      v: parseInt(baseInput.value, 10) || 0,
      at: Date.now(),
      submitted: submitted,
      fields: snapshot()
    };
    try { storage.setItem(key, JSON.stringify(copy)); } catch (e) { /* full: nothing to do */ }
  }

  function restore(fields) {
    var wanted = parseInt(fields["evidence-TOTAL_FORMS"], 10) || 0;
    while (total && template && rows && (parseInt(total.value, 10) || 0) < wanted) addRow();
    Object.keys(fields).forEach(function (name) {
      if (name === "evidence-TOTAL_FORMS") return;
      var els = form.querySelectorAll("[name='" + name + "']");
      els.forEach(function (el) {
        if (el.type === "radio") el.checked = el.value === fields[name];
        else if (el.type === "checkbox") el.checked = fields[name] === "on";
        else el.value = fields[name];
        el.dispatchEvent(new Event("text-restored"));
      });
    });
  }

  function notice(copy) {
    var box = document.createElement("div");
    box.className = "alert alert-warning draft-restored";
    box.setAttribute("role", "status");
    var text = document.createElement("p");
    text.className = "mb-2";
    text.textContent = form.dataset.draftRestored;
    box.appendChild(text);
    if (copy.v < (parseInt(baseInput.value, 10) || 0)) {
      var older = document.createElement("p");
      older.className = "mb-2";
      older.textContent = form.dataset.draftOlder;
      box.appendChild(older);
    }
    var discard = document.createElement("button");
    discard.type = "button";
    discard.className = "btn btn-outline-dark btn-sm";
    discard.textContent = form.dataset.draftDiscard;
    discard.addEventListener("click", function () {
      storage.removeItem(key);
      dirty = false;
      window.location.reload();
    });
    box.appendChild(discard);
    form.insertAdjacentElement("beforebegin", box);
  }

  var copy = null;
  try { copy = JSON.parse(storage.getItem(key) || "null"); } catch (e) { copy = null; }
  var version = parseInt(baseInput.value, 10) || 0;
  var posted = form.hasAttribute("data-draft-posted");
  var editable = form.hasAttribute("data-draft-editable");
  if (posted) {
    // The server sent back what was posted (errors, a conflict, a status change): the form
    // holds it, so the copy follows the form.
    if (editable) write(false);
  } else if (copy && copy.submitted && version > copy.v) {
    storage.removeItem(key); // the save went through
  } else if (copy && editable) {
    if (JSON.stringify(copy.fields) !== JSON.stringify(snapshot())) {
      restore(copy.fields);
      // Save from the version the text started from: if someone saved since, the server
      // shows both versions instead of replacing theirs.
      baseInput.value = String(Math.min(copy.v, version));
      dirty = true;
      notice(copy);
    } else {
      storage.removeItem(key);
    }
  }

  if (!editable) return;
  form.addEventListener("input", function () { write(false); });
  form.addEventListener("change", function () { write(false); });
  form.addEventListener("submit", function (event) {
    if (event.submitter && event.submitter.hasAttribute("data-discard-draft")) {
      storage.removeItem(key);
      return;
    }
    write(true);
  });
})();

// Self-assessment form: warn before leaving with unsaved changes, and add evidence rows
// without a round trip (the "Add another link" button still works without JavaScript).
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
  if (!addButton || !template || !total || !rows) return;
  // With this script the button adds a row on the spot and saves nothing.
  var note = form.querySelector("[data-add-evidence-note]");
  if (note) note.hidden = true;

  addButton.addEventListener("click", function (event) {
    var index = parseInt(total.value, 10) || 0;
    if (maxForms && index >= parseInt(maxForms.value, 10)) return; // let the server explain
    event.preventDefault();
    var html = template.innerHTML.replace(/__prefix__/g, String(index));
    var holder = document.createElement("div");
    holder.innerHTML = html;
    var row = holder.firstElementChild;
    var none = rows.querySelector(".evidence-none");
    if (none) none.remove();
    rows.appendChild(row);
    total.value = String(index + 1);
    dirty = true;
    var first = row.querySelector("input");
    if (first) first.focus();
  });
})();

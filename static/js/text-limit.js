// A counter under every text box with a limit (data-max-length, set instead of maxlength so
// that the browser never cuts pasted text silently), and a clear message past the limit.
// The server has the same limit and refuses longer text with a field error, keeping it.
(function () {
  "use strict";
  function format(text, values) {
    return text.replace(/%\((\w+)\)s/g, function (all, name) {
      return name in values ? String(values[name]) : all;
    });
  }
  // What the server counts: line ends as one character each.
  function length(value) { return value.replace(/\r\n/g, "\n").length; }

  document.querySelectorAll("textarea[data-max-length]").forEach(function (box, index) {
    var max = parseInt(box.dataset.maxLength, 10);
    var counter = document.createElement("div");
    counter.className = "form-text text-counter";
    counter.id = (box.id || "text-" + index) + "-counter";
    var alert = document.createElement("div");
    alert.className = "invalid-feedback d-block text-limit-alert";
    alert.setAttribute("role", "alert");
    box.insertAdjacentElement("afterend", counter);
    counter.insertAdjacentElement("afterend", alert);
    var described = (box.getAttribute("aria-describedby") || "").split(" ").filter(Boolean);
    described.push(counter.id);
    box.setAttribute("aria-describedby", described.join(" "));

    function update() {
      var count = length(box.value);
      counter.textContent = format(box.dataset.countText, { count: count, max: max });
      var over = count > max;
      box.classList.toggle("is-invalid", over);
      var text = over ? format(box.dataset.overText, { over: count - max, max: max }) : "";
      if (alert.textContent !== text) alert.textContent = text;
    }
    box.addEventListener("input", update);
    box.addEventListener("text-restored", update);
    update();
  });
})();

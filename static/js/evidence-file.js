// Evidence files: a file over the size limit is refused on the spot, with the server's
// message next to its field, and never sent (the server refuses it too, without script).
(function () {
  "use strict";
  var form = document.querySelector("form.entry-form");
  if (!form) return;
  form.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type='file'][data-max-bytes]")) return;
    var old = input.parentNode.querySelector(".evidence-too-big");
    if (old) old.remove();
    var file = input.files && input.files[0];
    if (!file || file.size <= parseInt(input.dataset.maxBytes, 10)) {
      input.removeAttribute("aria-invalid");
      return;
    }
    input.value = "";
    input.setAttribute("aria-invalid", "true");
    var message = document.createElement("div");
    message.className = "invalid-feedback d-block evidence-too-big";
    message.setAttribute("role", "alert");
    message.textContent = input.dataset.tooBig;
    input.insertAdjacentElement("afterend", message);
  });
})();

/* A form came back with errors: move the focus to the error summary, so that a screen
   reader reads it at once and keyboard users start from its links. A link in the summary
   puts the focus in its field (a plain in-page link would only scroll to it). */
(function () {
  "use strict";
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) return;
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    event.preventDefault();
    field.focus();
  });
})();

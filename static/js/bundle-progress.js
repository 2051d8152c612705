// The bundle's progress page: asks for the job's status every two seconds and updates the
// count and the bar; reloads the page once the bundle is ready or has failed, to offer
// the download or another try. Without JavaScript, its "Check again" link reloads it.
(function () {
  "use strict";
  var section = document.getElementById("bundle-progress");
  if (!section || !window.fetch) { return; }
  var message = document.getElementById("bundle-message");
  var bar = document.getElementById("bundle-bar");
  var url = section.getAttribute("data-status-url");

  function poll() {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error(response.status); }
        return response.json();
      })
      .then(function (status) {
        if (status.status === "ready" || status.status === "failed") {
          window.location.reload();
          return;
        }
        if (message.textContent !== status.message) { message.textContent = status.message; }
        if (bar) {
          bar.max = Math.max(status.total, 1);
          bar.value = status.done;
        }
        window.setTimeout(poll, 2000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, 1000);
})();

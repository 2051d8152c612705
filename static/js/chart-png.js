// "PNG" next to a chart's SVG link: the browser draws the SVG on a canvas at twice its
// size and saves that, so no server renders images and nothing leaves the page.
(function () {
  "use strict";
  document.querySelectorAll("button.chart-png[data-svg-url]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      fetch(button.dataset.svgUrl, { credentials: "same-origin" })
        .then(function (response) { return response.text(); })
        .then(function (text) {
          var url = URL.createObjectURL(new Blob([text], { type: "image/svg+xml" }));
          var image = new Image();
          image.onload = function () {
            var canvas = document.createElement("canvas");
            canvas.width = image.width * 2;
            canvas.height = image.height * 2;
            var context = canvas.getContext("2d");
            context.fillStyle = "#fff";
            context.fillRect(0, 0, canvas.width, canvas.height);
            context.drawImage(image, 0, 0, canvas.width, canvas.height);
            URL.revokeObjectURL(url);
            canvas.toBlob(function (png) {
              var link = document.createElement("a");
              link.href = URL.createObjectURL(png);
              link.download = button.dataset.fileName;
              document.body.appendChild(link);
              link.click();
              link.remove();
            }, "image/png");
          };
          image.src = url;
        });
    });
  });
})();

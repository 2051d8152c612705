/* Matrix page: a filter box over the city checkboxes, and short links (?cities=a,b,c).
   Without this script the form works as a plain GET form. */
(function () {
  "use strict";
  var form = document.getElementById("matrix-form");
  var wrap = document.getElementById("city-filter-wrap");
  var input = document.getElementById("city-filter");
  var count = document.getElementById("city-filter-count");
  if (!form || !wrap || !input) return;
  var items = Array.prototype.slice.call(form.querySelectorAll("#city-picker [data-name]"));
  wrap.hidden = false;

  function checkedCount() {
    return form.querySelectorAll('input[name="cities"]:checked').length;
  }

  function update() {
    var q = input.value.trim().toLowerCase();
    var shown = 0;
    items.forEach(function (item) {
      var match = !q || item.getAttribute("data-name").indexOf(q) !== -1;
      item.hidden = !match;
      if (match) shown += 1;
    });
    count.textContent = (count.dataset.template || "{shown}/{total}")
      .replace("{shown}", shown)
      .replace("{total}", items.length)
      .replace("{checked}", checkedCount());
  }
  input.addEventListener("input", update);
  form.addEventListener("change", update);
  update();

  form.addEventListener("submit", function (event) {
    // One comma-separated cities parameter, and no empty parameters: shorter links to share.
    event.preventDefault();
    var params = new URLSearchParams();
    var cities = [];
    new FormData(form).forEach(function (value, key) {
      if (key === "cities") {
        value.split(",").forEach(function (slug) {
          slug = slug.trim().toLowerCase();
          if (slug && cities.indexOf(slug) === -1) cities.push(slug);
        });
      }
      else if (value !== "") params.append(key, value);
    });
    var query = (cities.length ? "cities=" + cities.map(encodeURIComponent).join(",") : "");
    var rest = params.toString();
    if (rest) query += (query ? "&" : "") + rest;
    window.location.search = query;
  });
})();

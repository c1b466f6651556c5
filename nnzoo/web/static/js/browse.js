// Browse: the filters combine (AND), the list sorts, and the query string mirrors both.
(function () {
  "use strict";
  var list = document.getElementById("model-list");
  if (!list) { return; }
  var keys = ["category", "family", "framework", "paradigm", "decade"];
  var controls = {};
  keys.forEach(function (k) { controls[k] = document.getElementById("filter-" + k); });
  var implemented = document.getElementById("filter-implemented");
  var sort = document.getElementById("sort");
  var count = document.getElementById("browse-count");
  var items = Array.prototype.slice.call(list.querySelectorAll("li.model-item"));
  var statusRank = { "benchmarked": 0, "implemented": 1, "catalog only": 2 };

  function hasOption(select, value) {
    return Array.prototype.some.call(select.options, function (o) { return o.value === value; });
  }

  function readQuery() {
    var params = new URLSearchParams(window.location.search);
    keys.forEach(function (k) {
      var v = params.get(k);
      if (v !== null && hasOption(controls[k], v)) { controls[k].value = v; }
    });
    implemented.checked = params.get("implemented") === "1";
    var s = params.get("sort");
    if (s !== null && hasOption(sort, s)) { sort.value = s; }
  }

  function words(li, attr) { return (li.getAttribute(attr) || "").split(" "); }

  function matches(li) {
    var c = controls;
    if (c.category.value && words(li, "data-categories").indexOf(c.category.value) < 0) { return false; }
    if (c.framework.value && words(li, "data-frameworks").indexOf(c.framework.value) < 0) { return false; }
    if (c.family.value && li.getAttribute("data-family") !== c.family.value) { return false; }
    if (c.paradigm.value && li.getAttribute("data-paradigm") !== c.paradigm.value) { return false; }
    if (c.decade.value && li.getAttribute("data-decade") !== c.decade.value) { return false; }
    if (implemented.checked && li.getAttribute("data-implemented") !== "true") { return false; }
    return true;
  }

  function compare(a, b) {
    var year = Number(a.getAttribute("data-year")) - Number(b.getAttribute("data-year"));
    var name = a.getAttribute("data-name").localeCompare(b.getAttribute("data-name"));
    switch (sort.value) {
      case "name": return name;
      case "stars":
        return (Number(b.getAttribute("data-stars")) - Number(a.getAttribute("data-stars"))) || year || name;
      case "status":
        return (statusRank[a.getAttribute("data-status")] - statusRank[b.getAttribute("data-status")]) || year || name;
      default: return year || name;
    }
  }

  function writeQuery() {
    var params = new URLSearchParams();
    keys.forEach(function (k) { if (controls[k].value) { params.set(k, controls[k].value); } });
    if (implemented.checked) { params.set("implemented", "1"); }
    if (sort.value !== "year") { params.set("sort", sort.value); }
    var query = params.toString();
    try {
      window.history.replaceState(null, "", query ? "?" + query : window.location.pathname);
    } catch (e) {
      // Some browsers refuse history changes on file:// pages; the filters still apply.
    }
  }

  function apply() {
    var shown = 0;
    items.sort(compare);
    items.forEach(function (li) {
      var ok = matches(li);
      li.hidden = !ok;
      if (ok) { shown += 1; }
      list.appendChild(li);
    });
    count.textContent = shown + (shown === 1 ? " architecture" : " architectures");
  }

  readQuery();
  apply();
  keys.forEach(function (k) {
    controls[k].addEventListener("change", function () { apply(); writeQuery(); });
  });
  implemented.addEventListener("change", function () { apply(); writeQuery(); });
  sort.addEventListener("change", function () { apply(); writeQuery(); });
}());

// Search over the prebuilt index (static/search-index.js sets window.NNZOO_SEARCH):
// every word of the query must occur; hits on a name, id, alias or abbreviation come first.
(function () {
  "use strict";
  var list = document.getElementById("search-results");
  var index = window.NNZOO_SEARCH;
  if (!list || !index) { return; }
  var query = new URLSearchParams(window.location.search).get("q") || "";
  var input = document.getElementById("search");
  if (input) { input.value = query; }
  var terms = query.toLowerCase().split(/\s+/).filter(function (t) { return t.length > 0; });
  var summary = document.getElementById("search-summary");
  if (terms.length === 0) { return; }

  function all(text) { return terms.every(function (t) { return text.indexOf(t) >= 0; }); }

  var hits = index.filter(function (r) { return all(r.text); });
  hits.sort(function (a, b) {
    return (all(b.key) - all(a.key)) || (a.year - b.year) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
  });
  var href = list.getAttribute("data-href");
  while (list.firstChild) { list.removeChild(list.firstChild); }
  hits.forEach(function (r) {
    var li = document.createElement("li");
    li.className = "model-item";
    li.setAttribute("data-id", r.id);
    var a = document.createElement("a");
    a.className = "model-link";
    a.href = href.replace("__ID__", encodeURIComponent(r.id));
    a.textContent = r.name;
    var meta = document.createElement("span");
    meta.className = "meta";
    meta.textContent = r.year + " · " + r.family;
    var badge = document.createElement("span");
    badge.className = "badge status-" + r.status.replace(" ", "-");
    badge.textContent = r.status;
    var p = document.createElement("p");
    p.className = "summary";
    p.textContent = r.summary;
    li.appendChild(a);
    li.appendChild(meta);
    li.appendChild(badge);
    li.appendChild(p);
    list.appendChild(li);
  });
  summary.textContent = hits.length + (hits.length === 1 ? " result" : " results") + " for “" + query + "”";
}());

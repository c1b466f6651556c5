// Sortable tables: a click on a th[data-sort] header sorts its column (again: reverses).
(function () {
  "use strict";
  Array.prototype.forEach.call(document.querySelectorAll("table"), function (table) {
    var headers = table.querySelectorAll("th[data-sort]");
    var body = table.tBodies[0];
    if (!headers.length || !body) { return; }
    Array.prototype.forEach.call(headers, function (th) {
      var column = Array.prototype.indexOf.call(th.parentNode.children, th);
      var numeric = th.getAttribute("data-sort") === "num";
      function value(row) {
        var cell = row.children[column];
        var v = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
        if (!numeric) { return v.toLowerCase(); }
        return v === "" ? null : parseFloat(v);
      }
      th.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        Array.prototype.forEach.call(headers, function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (a, b) {
          var x = value(a), y = value(b);
          if (x === y) { return 0; }
          if (x === null) { return 1; }
          if (y === null) { return -1; }
          return (x < y ? -1 : 1) * (ascending ? 1 : -1);
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
}());

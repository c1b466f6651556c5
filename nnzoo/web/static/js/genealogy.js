// The genealogy: zoom (buttons and the wheel) and find (highlights and centres matches).
(function () {
  "use strict";
  var svg = document.getElementById("genealogy");
  var frame = document.getElementById("graph-frame");
  if (!svg || !frame) { return; }
  var width = Number(svg.getAttribute("data-width"));
  var height = Number(svg.getAttribute("data-height"));
  var scale = 1;
  var MIN = 0.2, MAX = 4;
  var nodes = Array.prototype.slice.call(svg.querySelectorAll("a.node"));
  var search = document.getElementById("graph-search");
  var count = document.getElementById("graph-count");

  function zoom(factor, cx, cy) {
    var next = Math.min(MAX, Math.max(MIN, scale * factor));
    if (next === scale) { return; }
    var px = cx === undefined ? frame.clientWidth / 2 : cx;
    var py = cy === undefined ? frame.clientHeight / 2 : cy;
    var ux = (frame.scrollLeft + px) / scale, uy = (frame.scrollTop + py) / scale;
    scale = next;
    svg.setAttribute("width", String(Math.round(width * scale)));
    svg.setAttribute("height", String(Math.round(height * scale)));
    frame.scrollLeft = ux * scale - px;
    frame.scrollTop = uy * scale - py;
  }

  function centre(node) {
    var box = node.querySelector("rect");
    var x = Number(box.getAttribute("x")) + Number(box.getAttribute("width")) / 2;
    var y = Number(box.getAttribute("y")) + Number(box.getAttribute("height")) / 2;
    frame.scrollLeft = x * scale - frame.clientWidth / 2;
    frame.scrollTop = y * scale - frame.clientHeight / 2;
  }

  function find() {
    var terms = search.value.toLowerCase().split(/\s+/).filter(function (t) { return t.length > 0; });
    var first = null, found = 0;
    nodes.forEach(function (node) {
      var text = node.getAttribute("data-search") || "";
      var hit = terms.length > 0 && terms.every(function (t) { return text.indexOf(t) >= 0; });
      node.classList.toggle("match", hit);
      if (hit) { found += 1; if (!first) { first = node; } }
    });
    svg.classList.toggle("searching", terms.length > 0);
    count.textContent = terms.length ? found + (found === 1 ? " match" : " matches") : "";
    if (first) { centre(first); }
  }

  document.getElementById("zoom-in").addEventListener("click", function () { zoom(1.25); });
  document.getElementById("zoom-out").addEventListener("click", function () { zoom(0.8); });
  document.getElementById("zoom-reset").addEventListener("click", function () { zoom(1 / scale); });
  frame.addEventListener("wheel", function (event) {
    event.preventDefault();
    var rect = frame.getBoundingClientRect();
    zoom(event.deltaY < 0 ? 1.1 : 1 / 1.1, event.clientX - rect.left, event.clientY - rect.top);
  }, { passive: false });
  search.addEventListener("input", find);
  search.addEventListener("keydown", function (event) {
    if (event.key === "Enter") {
      event.preventDefault();
      var first = svg.querySelector("a.node.match");
      if (first) { first.focus(); }
    }
  });
}());

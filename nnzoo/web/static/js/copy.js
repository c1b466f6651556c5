// Copy buttons: each puts its recipe's `nnzoo train ...` command on the clipboard.
(function () {
  "use strict";
  function selectText(node) {
    var range = document.createRange();
    range.selectNodeContents(node);
    var sel = window.getSelection();
    sel.removeAllRanges();
    sel.addRange(range);
  }
  Array.prototype.forEach.call(document.querySelectorAll(".recipe button.copy"), function (button) {
    var code = button.parentNode.querySelector("code.command");
    var label = button.textContent;
    function done(text) {
      button.textContent = text;
      button.classList.add("copied");
      window.setTimeout(function () { button.textContent = label; button.classList.remove("copied"); }, 2000);
    }
    button.addEventListener("click", function () {
      var text = code.textContent.trim();
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(text).then(function () { done("Copied"); }, function () {
          selectText(code);
          done("Press Ctrl+C");
        });
      } else {
        selectText(code);
        done("Press Ctrl+C");
      }
    });
  });
}());

// A batch run's result: each urgency group of matches gets a "Select all" button that
// ticks (or, when all are ticked, clears) the group's boxes. Without JavaScript the
// buttons stay hidden and each box is ticked on its own.
(function () {
  "use strict";
  var buttons = document.querySelectorAll("[data-select-all]");
  Array.prototype.forEach.call(buttons, function (button) {
    var group = document.getElementById(button.getAttribute("data-select-all"));
    if (!group) {
      return;
    }
    var boxes = group.querySelectorAll("input[type='checkbox']");
    var select = button.textContent;
    var clear = select.replace(/^Select all/, "Clear all");
    function allTicked() {
      return Array.prototype.every.call(boxes, function (box) { return box.checked; });
    }
    function label() {
      button.textContent = allTicked() ? clear : select;
    }
    button.addEventListener("click", function () {
      var tick = !allTicked();
      Array.prototype.forEach.call(boxes, function (box) { box.checked = tick; });
      label();
    });
    Array.prototype.forEach.call(boxes, function (box) { box.addEventListener("change", label); });
    button.hidden = false;
  });
})();

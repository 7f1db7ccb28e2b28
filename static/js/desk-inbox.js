// Inbox: "select all" for the bulk catalogue checkboxes.
(function () {
  "use strict";
  var all = document.getElementById("select-all");
  if (!all) return;
  var picks = function () { return document.querySelectorAll("input.bulk-pick"); };
  all.addEventListener("change", function () {
    picks().forEach(function (box) { box.checked = all.checked; });
  });
  document.addEventListener("change", function (event) {
    if (!event.target.classList || !event.target.classList.contains("bulk-pick")) return;
    var boxes = Array.prototype.slice.call(picks());
    var checked = boxes.filter(function (b) { return b.checked; }).length;
    all.checked = checked === boxes.length && checked > 0;
    all.indeterminate = checked > 0 && checked < boxes.length;
  });
})();

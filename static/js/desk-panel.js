// Staff panel: show the on-site planning fields only while "On-site" is the chosen kind.
(function () {
  "use strict";
  document.querySelectorAll("form.desk-catalog").forEach(function (form) {
    var onsite = form.querySelector("[data-onsite]");
    if (!onsite) return;
    var update = function () {
      var chosen = form.querySelector("input[name$='kind']:checked");
      onsite.hidden = !chosen || chosen.value !== "onsite";
    };
    form.addEventListener("change", function (event) {
      if (event.target.name && /kind$/.test(event.target.name)) update();
    });
    update();
  });
})();

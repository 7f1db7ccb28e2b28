// Staff panel: the folded forms that start closed are fetched when first opened (a link to the
// desk's page of the ticket stands in for them without a script), and the catalogue shows its
// on-site planning fields only while "On-site" is the chosen kind.
(function () {
  "use strict";

  function followKind(form) {
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
  }

  function load(holder, src) {
    fetch(src, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        // Signed out meanwhile: the answer is the sign-in page, not the fold's form.
        if (!response.ok || response.redirected) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        var box = document.createElement("div");
        box.innerHTML = html; // the server's own escaped HTML
        var form = box.querySelector("form");
        if (!form) return;
        holder.replaceWith(form);
        if (form.classList.contains("desk-catalog")) followKind(form);
      })
      .catch(function () {}); // the link stays: it leads to the same form
  }

  document.querySelectorAll("form.desk-catalog").forEach(followKind);
  document.querySelectorAll("[data-fold]").forEach(function (holder) {
    var fold = holder.closest("details");
    var asked = false; // once, whatever the answer
    var open = function () {
      if (fold.open && !asked) {
        asked = true;
        load(holder, holder.getAttribute("data-fold"));
      }
    };
    fold.addEventListener("toggle", open);
    open();
  });
})();

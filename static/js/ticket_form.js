// New-request form (and the asset form): show the chosen category's (type's) extra fields,
// "use my location", and the devices of the chosen room.
// Loaded as a file (the CSP allows no inline script). Without it the form still works:
// the server only reads the chosen category's fields and re-shows the right group on errors.
(function () {
  "use strict";
  var form = document.getElementById("request-form") || document.getElementById("asset-form");
  if (!form) { return; }

  var chooser = form.getAttribute("data-extra-select") || "category";
  var category = form.querySelector("select[name=" + chooser + "]");
  function showGroup() {
    var chosen = category ? category.value : "";
    form.querySelectorAll("fieldset.extra-fields").forEach(function (group) {
      var on = group.getAttribute("data-category") === chosen;
      group.hidden = !on;
      group.disabled = !on; // a disabled fieldset's inputs are not submitted
    });
  }
  if (category) {
    category.addEventListener("change", showGroup);
    showGroup();
  }

  // The device picker: the chosen room's devices, asked for when the place changes; a chosen
  // device fills in an empty asset-tag field of the chosen category.
  var device = form.querySelector("select[name=asset]");
  if (device) {
    var roomGroup = device.querySelector("optgroup[data-group=room]");
    var asked = 0; // answers can come back out of order: only the last question's is shown
    var refresh = function () {
      var question = ++asked;
      var params = new URLSearchParams();
      ["site", "building", "floor", "room"].forEach(function (name) {
        var input = form.querySelector("[name=" + name + "]");
        params.set(name, input ? input.value : "");
      });
      fetch(device.getAttribute("data-room-url") + "?" + params.toString(),
            {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (data) {
          if (question !== asked) { return; } // a later change asked again: its answer counts
          var chosen = device.value;
          var mine = {};
          device.querySelectorAll("optgroup[data-group=mine] option").forEach(function (o) { mine[o.value] = true; });
          roomGroup.replaceChildren();
          data.assets.forEach(function (a) {
            if (mine[String(a.id)]) { return; }
            var option = document.createElement("option");
            option.value = String(a.id);
            option.textContent = a.tag + " · " + a.what;
            option.setAttribute("data-tag", a.tag);
            roomGroup.appendChild(option);
          });
          roomGroup.hidden = roomGroup.children.length === 0;
          device.value = chosen;
          if (device.value !== chosen) { device.value = ""; }
        })
        .catch(function () { /* the list stays as it was */ });
    };
    ["site", "building", "floor", "room"].forEach(function (name) {
      var input = form.querySelector("[name=" + name + "]");
      if (input) { input.addEventListener("change", refresh); }
    });
    device.addEventListener("change", function () {
      var option = device.options[device.selectedIndex];
      var tag = option ? option.getAttribute("data-tag") : null;
      if (!tag) { return; }
      form.querySelectorAll("fieldset.extra-fields:not([disabled]) input.text-uppercase").forEach(function (input) {
        if (!input.value) { input.value = tag; }
      });
    });
  }

  // One request per click: a second click while the first is on its way would file it twice.
  form.addEventListener("submit", function () {
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = true; });
  });
  window.addEventListener("pageshow", function () { // back from the next page: usable again
    form.querySelectorAll("button[type=submit]").forEach(function (b) { b.disabled = false; });
  });

  var button = document.getElementById("use-location");
  var status = document.getElementById("location-status");
  var site = form.querySelector("select[name=site]");
  if (!button || !("geolocation" in navigator)) { return; }
  button.hidden = false;

  function say(text) { status.textContent = text; }

  button.addEventListener("click", function () {
    button.disabled = true;
    say(button.getAttribute("data-wait") || "…");
    navigator.geolocation.getCurrentPosition(function (pos) {
      var lat = pos.coords.latitude, lon = pos.coords.longitude;
      document.getElementById("latitude").value = lat.toFixed(6);
      document.getElementById("longitude").value = lon.toFixed(6);
      var url = form.getAttribute("data-nearest-url") + "?lat=" + encodeURIComponent(lat) +
                "&lon=" + encodeURIComponent(lon);
      fetch(url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
        .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
        .then(function (data) {
          button.disabled = false;
          if (!data.site) { say(status.getAttribute("data-none")); return; }
          if (site && site.querySelector('option[value="' + String(data.site.id) + '"]')) {
            site.value = String(data.site.id);
          }
          // The user can still pick another site; this is only a suggestion.
          say(status.getAttribute("data-found").replace("{site}", data.site.name)
                                                .replace("{km}", data.site.distance));
        })
        .catch(function () { button.disabled = false; say(status.getAttribute("data-failed")); });
    }, function () {
      button.disabled = false;
      say(status.getAttribute("data-denied"));
    }, {enableHighAccuracy: false, timeout: 15000, maximumAge: 300000});
  });
})();

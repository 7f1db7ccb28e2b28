// The planning board: progress while the engine runs, then the routes on the map and the
// visits' live states (a technician's "arrived" shows up here without a reload).
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) { return; }
  var statusUrl = board.dataset.statusUrl;
  var bar = document.getElementById("progress-bar");
  var message = document.getElementById("run-message");
  var badge = document.getElementById("run-status");

  function poll() {
    fetch(statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (s) {
        if (bar) {
          bar.style.width = s.progress + "%";
          bar.textContent = s.progress + "%";
          bar.parentNode.setAttribute("aria-valuenow", s.progress);
        }
        if (message) { message.textContent = s.message; }
        if (badge) { badge.textContent = s.status; }
        if (board.dataset.active === "1" && !s.active) {
          window.location.reload();
          return;
        }
        Object.keys(s.visits || {}).forEach(function (id) {
          var el = document.querySelector('[data-visit-status="' + id + '"]');
          if (el) { el.textContent = s.visits[id]; }
        });
        window.setTimeout(poll, s.active ? 1000 : 15000);
      })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  window.setTimeout(poll, board.dataset.active === "1" ? 500 : 15000);

  var dataEl = document.getElementById("map-data");
  var mapEl = document.getElementById("plan-map");
  if (!dataEl || !mapEl || typeof L === "undefined") { return; }
  var data = JSON.parse(dataEl.textContent);
  var map = L.map(mapEl);
  if (board.dataset.tiles) {
    L.tileLayer(board.dataset.tiles, { maxZoom: 19, attribution: board.dataset.attribution }).addTo(map);
  }
  var bounds = [];
  data.lines.forEach(function (line) {
    if (line.points.length > 1) {
      // Leaflet renders string tooltips as HTML: hand it a text node's element instead.
      var label = document.createElement("span");
      label.textContent = line.name + " · " + line.day;
      L.polyline(line.points, { color: line.colour, weight: 4, opacity: 0.8 })
        .bindTooltip(label).addTo(map);
    }
    line.points.forEach(function (p) { bounds.push(p); });
  });
  data.stops.forEach(function (s) {
    var marker = L.circleMarker([s.lat, s.lon], { radius: 7, color: s.colour, fillOpacity: 0.9 });
    var text = document.createElement("div");
    text.textContent = s.start + " · " + s.label + " (" + s.technician + ")";
    marker.bindPopup(text).addTo(map);
  });
  if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20] }); } else { map.setView([46, 25], 6); }
})();

/* A map that edits a point kept in two inputs: click or drag the marker, or type numbers.
   Markup: <div data-point-map data-lat-input="ID" data-lon-input="ID" data-tiles="URL"
   data-attribution="TEXT" [data-center="lat,lon"]>. Works without tiles (no network). */
(function () {
  "use strict";
  if (typeof L === "undefined") { return; }

  function valid(lat, lon) {
    return isFinite(lat) && isFinite(lon) && lat >= -90 && lat <= 90 && lon >= -180 && lon <= 180;
  }

  function setup(el) {
    var latInput = document.getElementById(el.dataset.latInput);
    var lonInput = document.getElementById(el.dataset.lonInput);
    if (!latInput || !lonInput) { return; }
    var read = function () {
      var lat = parseFloat(latInput.value), lon = parseFloat(lonInput.value);
      return valid(lat, lon) ? L.latLng(lat, lon) : null;
    };
    var start = read();
    var fallback = (el.dataset.center || "45.9,24.97").split(",").map(parseFloat);
    // Near a known place (the job's site, the technician's site) open at street level, so a
    // click lands close to where it is meant; without one, show the whole country.
    var map = L.map(el).setView(start || fallback, start ? 16 : (el.dataset.center ? 13 : 6));
    L.tileLayer(el.dataset.tiles, {
      maxZoom: 19, subdomains: "abc", attribution: el.dataset.attribution
    }).addTo(map);

    var marker = null;
    var write = function (latlng) {
      latInput.value = latlng.lat.toFixed(6);
      lonInput.value = latlng.lng.toFixed(6);
    };
    var place = function (latlng) {
      if (marker === null) {
        marker = L.marker(latlng, { draggable: true, autoPan: true,
                                    title: el.getAttribute("aria-label") || "" }).addTo(map);
        marker.on("dragend", function () { write(marker.getLatLng()); });
      } else {
        marker.setLatLng(latlng);
      }
    };
    if (start) { place(start); }
    map.on("click", function (event) { place(event.latlng); write(event.latlng); });
    [latInput, lonInput].forEach(function (input) {
      input.addEventListener("change", function () {
        var point = read();
        if (point) { place(point); map.panTo(point); }
      });
    });
  }

  document.querySelectorAll("[data-point-map]").forEach(setup);
}());

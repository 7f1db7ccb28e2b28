// The planning board: progress while the engine runs, then the routes on the map, the visits'
// live states (a technician's "arrived" shows up here without a reload), the link between a
// stop on the map and its block on the timeline, and moving a visit by dragging its block to
// another technician's row or another time. A drop is sent to the same move endpoint as the
// Move form (same checks, CSRF token included); a refusal shows the server's message and puts
// the block back. Without this script the Move form does the same.
(function () {
  "use strict";
  var board = document.getElementById("board");
  if (!board) { return; }
  var statusUrl = board.dataset.statusUrl;
  var bar = document.getElementById("progress-bar");
  var message = document.getElementById("run-message");
  var badge = document.getElementById("run-status");
  var notice = document.getElementById("board-message");
  var timelineBox = document.getElementById("timeline-box");
  var visitsBox = document.getElementById("visits-box");
  var dayFilter = document.getElementById("day-filter");
  // The progress as the page's language writes a percentage ("27%", "27 %"), as the server does.
  var percent = new Intl.NumberFormat(document.documentElement.lang || undefined, { style: "percent" });

  function poll() {
    fetch(statusUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (s) {
        if (bar) {
          bar.style.width = s.progress + "%";
          bar.textContent = percent.format(s.progress / 100);
          bar.parentNode.setAttribute("aria-valuenow", s.progress);
        }
        if (message) { message.textContent = s.message; }
        if (badge) { badge.textContent = s.status_label || s.status; badge.dataset.state = s.status; }
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

  function say(text, kind) {
    if (!notice) { return; }
    notice.textContent = text;
    notice.className = "alert py-2 alert-" + kind;
  }

  // ---- The map -------------------------------------------------------------------------
  var dataEl = document.getElementById("map-data");
  var mapEl = document.getElementById("plan-map");
  var map = null, layer = null, markers = {}, lines = [], selected = null;
  var data = dataEl ? JSON.parse(dataEl.textContent) : null;

  function currentDay() { return dayFilter ? dayFilter.value : ""; }

  function draw(fit) {
    if (!map || !data) { return; }
    layer.clearLayers();
    markers = {};
    lines = [];
    var day = currentDay(), bounds = [];
    data.lines.forEach(function (line) {
      if (day && line.day !== day) { return; }
      if (line.points.length > 1) {
        // Leaflet renders string tooltips as HTML: hand it a text node's element instead.
        var label = document.createElement("span");
        label.textContent = line.name + " · " + line.day_label;
        var poly = L.polyline(line.points, { color: line.colour, weight: 4, opacity: 0.85,
                                             className: "route route-" + line.technician_id })
          .bindTooltip(label).addTo(layer);
        poly.technician = line.technician_id;
        lines.push(poly);
      }
      line.points.forEach(function (p) { bounds.push(p); });
    });
    // Visits at the same place (a site's jobs share its point) share one marker, whose popup
    // lists them all; each line selects its visit.
    var places = {}, order = [];
    data.stops.forEach(function (s) {
      if (day && s.day !== day) { return; }
      var key = s.lat.toFixed(6) + "," + s.lon.toFixed(6);
      if (!places[key]) { places[key] = []; order.push(key); }
      places[key].push(s);
    });
    order.forEach(function (key) {
      var group = places[key], first = group[0];
      var pinned = group.some(function (s) { return s.pinned; });
      var mixed = group.some(function (s) { return s.technician_id !== first.technician_id; });
      var marker = L.circleMarker([first.lat, first.lon], {
        radius: group.length > 1 ? 9 : 7, color: pinned ? "#212529" : "#fff",
        weight: pinned ? 3 : 2, fillColor: mixed ? "#343a40" : first.colour, fillOpacity: 0.95,
        className: "stop " + group.map(function (s) { return "stop-" + s.id; }).join(" ")
      });
      marker.size = group.length > 1 ? 9 : 7;
      var box = document.createElement("div");
      group.forEach(function (s) {
        var line = document.createElement(group.length > 1 ? "button" : "div");
        if (group.length > 1) {
          line.type = "button";
          line.className = "btn btn-link btn-sm p-0 text-start d-block";
          line.addEventListener("click", function () { select(s.id, "map"); });
        }
        var swatch = document.createElement("span");
        swatch.className = "tl-swatch";
        swatch.style.background = s.colour;
        line.appendChild(swatch);
        line.appendChild(document.createTextNode(
          s.start + " · " + s.label + " (" + s.technician + ")"));
        box.appendChild(line);
      });
      if (first.fix_url) {
        var link = document.createElement("a");
        link.href = first.fix_url;
        link.className = "small";
        link.textContent = mapEl.dataset.fixLabel;
        box.appendChild(link);
      }
      marker.bindPopup(box).addTo(layer);
      marker.on("click", function () { select(first.id, "map"); });
      group.forEach(function (s) { markers[s.id] = marker; });
      bounds.push([first.lat, first.lon]);
    });
    if (fit) {
      if (bounds.length) { map.fitBounds(bounds, { padding: [20, 20], maxZoom: 15 }); }
      else { map.setView([46, 25], 6); }
    }
    if (selected !== null) { highlightMarker(selected, false); }
  }

  function highlightMarker(id, open) {
    var marker = markers[id];
    Object.keys(markers).forEach(function (key) {
      markers[key].setRadius(markers[key] === marker ? 12 : markers[key].size);
    });
    if (!marker) { return; }
    marker.bringToFront();
    if (open) {
      map.setView(marker.getLatLng(), Math.max(map.getZoom(), 12));
      marker.openPopup();
    }
  }

  // A technician in the legend: their route(s) in front and the map on them.
  function focusTechnician(id) {
    var points = [];
    map.closePopup();
    lines.forEach(function (poly) {
      var mine = poly.technician === id;
      poly.setStyle({ weight: mine ? 6 : 3, opacity: mine ? 1 : 0.35 });
      if (mine) { poly.bringToFront(); points = points.concat(poly.getLatLngs()); }
    });
    if (points.length) { map.fitBounds(points, { padding: [30, 30], maxZoom: 15 }); }
  }
  var legend = document.getElementById("map-legend");
  if (legend) {
    legend.addEventListener("click", function (event) {
      var button = event.target.closest("[data-legend]");
      if (button && map) { focusTechnician(Number(button.dataset.legend)); }
    });
  }

  if (data && mapEl && typeof L !== "undefined") {
    map = L.map(mapEl);
    if (board.dataset.tiles) {
      L.tileLayer(board.dataset.tiles, { maxZoom: 19, attribution: board.dataset.attribution })
        .addTo(map);
    }
    layer = L.layerGroup().addTo(map);
    draw(true);
  }

  // ---- Selection: a stop on the map ⇄ its block on the timeline ⇄ its line in the list --
  function select(id, source) {
    selected = id;
    document.querySelectorAll(".tl-visit.is-selected, tr.is-selected").forEach(function (el) {
      el.classList.remove("is-selected");
    });
    var block = document.getElementById("block-" + id);
    var row = document.getElementById("visit-" + id);
    if (block) {
      block.classList.add("is-selected");
      if (source === "map") {
        block.scrollIntoView({ block: "nearest", inline: "center", behavior: "smooth" });
      }
    }
    if (row) { row.classList.add("is-selected"); }
    highlightMarker(id, source !== "map");
  }

  // ---- Which visit comes after which: an arrow from the end of the first visit's block to
  // the start of the one that follows it (a follow-up after its parent). The server names the
  // earlier visit in the later block's data-after; the list says "after #N" in words.
  var SVG = "http://www.w3.org/2000/svg";

  function svgEl(name, attrs) {
    var el = document.createElementNS(SVG, name);
    Object.keys(attrs).forEach(function (k) { el.setAttribute(k, attrs[k]); });
    return el;
  }

  function clearLinks() {
    document.querySelectorAll("#timeline svg.tl-links").forEach(function (el) { el.remove(); });
  }

  function drawLinks() {
    clearLinks();
    var inner = document.querySelector("#timeline .tl-inner");
    var later = inner ? inner.querySelectorAll(".tl-visit[data-after]") : [];
    if (!later.length) { return; }
    var origin = inner.getBoundingClientRect();
    var svg = svgEl("svg", { "class": "tl-links", "aria-hidden": "true", focusable: "false",
                              width: inner.scrollWidth, height: inner.scrollHeight });
    var marker = svgEl("marker", { id: "tl-arrow", viewBox: "0 0 8 8", refX: "7", refY: "4",
                                   markerWidth: "7", markerHeight: "7", orient: "auto" });
    marker.appendChild(svgEl("path", { d: "M0,0 L8,4 L0,8 z", "class": "tl-link-head" }));
    svg.appendChild(svgEl("defs", {})).appendChild(marker);
    later.forEach(function (block) {
      var first = document.getElementById("block-" + block.dataset.after);
      // Not drawn when either end is hidden (another day chosen) or not on this timeline.
      if (!first || !first.offsetParent || !block.offsetParent) { return; }
      var a = first.getBoundingClientRect(), b = block.getBoundingClientRect();
      var x1 = a.right - origin.left, y1 = a.top + a.height / 2 - origin.top;
      var x2 = b.left - origin.left, y2 = b.top + b.height / 2 - origin.top;
      var bend = Math.max(14, Math.abs(x2 - x1) / 2);
      svg.appendChild(svgEl("path", {
        "class": "tl-link", "marker-end": "url(#tl-arrow)",
        "data-from": block.dataset.after, "data-to": block.dataset.visit,
        d: "M" + x1 + "," + y1 + " C" + (x1 + bend) + "," + y1 + " " + (x2 - bend) + "," + y2 +
           " " + x2 + "," + y2
      }));
    });
    inner.appendChild(svg);
  }
  var linksPending = false;
  window.addEventListener("resize", function () {
    if (linksPending) { return; }
    linksPending = true;
    window.requestAnimationFrame(function () { linksPending = false; drawLinks(); });
  });

  function applyDayRows() {
    var day = currentDay();
    document.querySelectorAll(".tl-row[data-day], #visits tr[data-day]").forEach(function (el) {
      el.classList.toggle("d-none-day", Boolean(day) && el.dataset.day !== day);
    });
    drawLinks();
  }
  drawLinks();
  function applyDay() { applyDayRows(); draw(true); }
  if (dayFilter) { dayFilter.addEventListener("change", applyDay); }

  // ---- Dragging a visit on the timeline --------------------------------------------------
  if (!timelineBox) { return; }
  var drag = null, justDragged = false;

  function scale() {
    var tl = document.getElementById("timeline");
    return { first: Number(tl.dataset.firstHour) * 60, last: Number(tl.dataset.lastHour) * 60,
             snap: Number(tl.dataset.snap) || 15 };
  }

  function pct(minutes, sc) { return (minutes - sc.first) / (sc.last - sc.first) * 100; }

  function clock(minutes) {
    var m = ((minutes % 1440) + 1440) % 1440;
    return String(Math.floor(m / 60)).padStart(2, "0") + ":" + String(m % 60).padStart(2, "0");
  }

  function trackAt(x, y) {
    var hits = document.elementsFromPoint(x, y);
    for (var k = 0; k < hits.length; k += 1) {
      if (hits[k].classList && hits[k].classList.contains("tl-track")) { return hits[k]; }
    }
    return null;
  }

  function clearTarget() {
    document.querySelectorAll(".tl-track.is-target").forEach(function (t) {
      t.classList.remove("is-target");
    });
    if (drag && drag.tip) { drag.tip.remove(); drag.tip = null; }
  }

  function putBack(d) {
    d.el.classList.remove("is-dragging", "is-saving");
    d.home.appendChild(d.el);
    d.el.style.left = d.left;
    drawLinks();
  }

  timelineBox.addEventListener("pointerdown", function (event) {
    // Not while its last drop is being saved: a second drop would send the old place.
    var el = event.target.closest(".tl-visit.is-movable:not(.is-saving)");
    if (!el || event.button !== 0 || drag) { return; }
    var rect = el.getBoundingClientRect();
    drag = { el: el, home: el.parentNode, left: el.style.left, x: event.clientX,
             y: event.clientY, grab: event.clientX - rect.left, moving: false,
             duration: Number(el.dataset.to) - Number(el.dataset.from), track: el.parentNode,
             minutes: Number(el.dataset.from), over: true, tip: null, sc: scale() };
    el.setPointerCapture(event.pointerId);
  });

  // Follow the pointer: the row under it becomes the block's row, the time snaps.
  function follow(x, y) {
    var track = trackAt(x, y);
    drag.over = Boolean(track);
    if (track && track !== drag.track) {
      drag.track = track;
      track.appendChild(drag.el);
    }
    var sc = drag.sc, rect = drag.track.getBoundingClientRect();
    var raw = sc.first + (x - drag.grab - rect.left) / rect.width * (sc.last - sc.first);
    var minutes = Math.round(raw / sc.snap) * sc.snap;
    minutes = Math.max(sc.first, Math.min(minutes, sc.last - drag.duration));
    drag.minutes = minutes;
    drag.el.style.left = pct(minutes, sc) + "%";
    clearTarget();
    if (drag.over) {
      drag.track.classList.add("is-target");
      drag.tip = document.createElement("span");
      drag.tip.className = "tl-drop-time";
      drag.tip.textContent = clock(minutes) + " · " + drag.track.dataset.name;
      drag.tip.style.left = pct(minutes, sc) + "%";
      drag.track.appendChild(drag.tip);
    }
  }

  // Near an edge, scroll the page (rows out of sight) or the timeline (hours out of sight).
  function autoScroll() {
    if (!drag || !drag.moving) { return; }
    var edge = 40, step = 0, side = 0, tl = document.getElementById("timeline");
    var box = tl.getBoundingClientRect();
    if (drag.py < edge) { step = -12; } else if (drag.py > window.innerHeight - edge) { step = 12; }
    if (drag.px < box.left + edge) { side = -12; } else if (drag.px > box.right - edge) { side = 12; }
    if (step) { window.scrollBy(0, step); }
    if (side) { tl.scrollLeft += side; }
    if (step || side) { follow(drag.px, drag.py); }
    window.requestAnimationFrame(autoScroll);
  }

  timelineBox.addEventListener("pointermove", function (event) {
    if (!drag) { return; }
    drag.px = event.clientX;
    drag.py = event.clientY;
    if (!drag.moving) {
      if (Math.abs(event.clientX - drag.x) + Math.abs(event.clientY - drag.y) < 6) { return; }
      drag.moving = true;
      drag.el.classList.add("is-dragging");
      clearLinks();  // drawn again where the visits are once the drop is settled
      window.requestAnimationFrame(autoScroll);
    }
    event.preventDefault();
    follow(event.clientX, event.clientY);
  });

  function endDrag(event, cancelled) {
    if (!drag) { return; }
    var d = drag;
    clearTarget();
    drag = null;
    if (d.el.hasPointerCapture && d.el.hasPointerCapture(event.pointerId)) {
      d.el.releasePointerCapture(event.pointerId);
    }
    if (!d.moving) { return; }
    justDragged = true;
    window.setTimeout(function () { justDragged = false; }, 50);
    var same = d.track === d.home && d.minutes === Number(d.el.dataset.from);
    if (cancelled || !d.over || same) { putBack(d); return; }
    d.el.classList.remove("is-dragging");
    save(d);
  }
  timelineBox.addEventListener("pointerup", function (event) { endDrag(event, false); });
  timelineBox.addEventListener("pointercancel", function (event) { endDrag(event, true); });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && drag) {
      var d = drag;
      clearTarget();
      drag = null;
      if (d.moving) { putBack(d); }
    }
  });

  timelineBox.addEventListener("click", function (event) {
    var el = event.target.closest(".tl-visit");
    if (el && !justDragged) { select(Number(el.dataset.visit), "timeline"); }
  });
  timelineBox.addEventListener("keydown", function (event) {
    var el = event.target.closest(".tl-visit");
    if (el && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      select(Number(el.dataset.visit), "timeline");
    }
  });

  // The refreshed parts of the board from the server's answer to a drop.
  function showParts(answer) {
    timelineBox.innerHTML = answer.timeline;
    if (visitsBox) { visitsBox.innerHTML = answer.visits; }
    data = answer.map;
    applyDayRows();
    draw(false);
  }

  function save(d) {
    d.el.classList.add("is-saving");
    var body = new URLSearchParams();
    body.set("csrf_token", board.dataset.csrf || "");
    body.set("technician", d.track.dataset.technician);
    body.set("day", d.track.dataset.day);
    body.set("start", clock(d.minutes));
    body.set("clock", "technician");
    body.set("seen", d.el.dataset.seen || "");  // refused if someone else moved it since
    fetch(d.el.dataset.moveUrl, {
      method: "POST", credentials: "same-origin", body: body,
      headers: { "Accept": "application/json", "X-CSRFToken": board.dataset.csrf || "" }
    }).then(function (r) {
      // A session that ended answers with a redirect to the sign-in page, not JSON.
      var json = (r.headers.get("Content-Type") || "").indexOf("json") !== -1;
      if (r.redirected || !json) {
        return { ok: false, answer: { error: board.dataset.signedOut || (r.status + " " + r.statusText) } };
      }
      return r.json().catch(function () { return { error: r.status + " " + r.statusText }; })
        .then(function (answer) { return { ok: r.ok, answer: answer }; });
    }).then(function (res) {
      if (!res.ok || res.answer.error) {
        if (res.answer.timeline) {
          showParts(res.answer);  // someone else moved it: the board as it is now
          select(Number(d.el.dataset.visit), "timeline");
        } else {
          putBack(d);
        }
        say(res.answer.error || String(res.answer), "danger");
        return;
      }
      showParts(res.answer);
      say(res.answer.message, "success");
      select(res.answer.visit, "timeline");
    }).catch(function () {
      putBack(d);
      say(board.dataset.offline, "danger");
    });
  }

  // ---- The visits' Move forms ------------------------------------------------------------
  // The page holds the form once (#move-template); opening a visit's Move fills a copy in for
  // that visit, in place of the link to the visit's own move page that works without a script.
  // Toggle does not bubble: listened to while it goes down to the details.
  var moveTemplate = document.getElementById("move-template");
  function fillMove(details) {
    if (!moveTemplate || !details.open || details.querySelector(".move-form")) { return; }
    var d = details.dataset, prefix = "move-" + d.visit;
    var form = moveTemplate.content.querySelector("form").cloneNode(true);
    form.action = d.moveUrl;
    form.querySelectorAll("[id]").forEach(function (el) { el.id = el.id.replace("move-new", prefix); });
    form.querySelectorAll("label[for]").forEach(function (el) {
      el.htmlFor = el.htmlFor.replace("move-new", prefix);
    });
    form.elements.seen.value = d.seen;
    form.elements.technician.value = d.technician;
    form.elements.day.value = d.day;
    form.elements.start.value = d.start;
    var link = details.querySelector(".move-page");
    if (link) { link.remove(); }
    details.appendChild(form);
  }
  if (visitsBox) {
    visitsBox.addEventListener("toggle", function (event) {
      if (event.target.classList && event.target.classList.contains("move-details")) {
        fillMove(event.target);
      }
    }, true);
  }

})();

// The pre-screening form's map: the catalogue's parks and zones (no tiles, so it works offline);
// a click sets the site's coordinates (WGS84) in the form.
(function () {
  var box = document.getElementById("map");
  if (!box || typeof L === "undefined") { return; }
  var lon = document.getElementById("lon"), lat = document.getElementById("lat"), crs = document.getElementById("crs");
  var map = L.map(box, { zoomSnap: 0.25 });
  window.prescreenMap = map;
  var styles = {
    park: { color: "#1f4e9c", weight: 2, fillOpacity: 0.08 },
    control_unit: { color: "#757575", weight: 1, dashArray: "4 4", fillOpacity: 0.03 },
    red_line: { color: "#1b5e20", weight: 1, fillColor: "#66bb6a", fillOpacity: 0.35 },
    water_source: { color: "#0d47a1", weight: 1, fillColor: "#64b5f6", fillOpacity: 0.35 }
  };
  var marker = null;
  function place(latlng) {
    if (marker) { marker.setLatLng(latlng); } else {
      marker = L.circleMarker(latlng, { radius: 7, color: "#fff", weight: 2, fillColor: "#c62828", fillOpacity: 1 }).addTo(map);
    }
  }
  fetch("/map/zones.geojson").then(function (r) { return r.json(); }).then(function (data) {
    map.invalidateSize();  // the box may have been laid out again since the map was made
    var order = ["control_unit", "red_line", "water_source", "park"];
    var parks = null;
    order.forEach(function (kind) {
      var layer = L.geoJSON(data, {
        filter: function (f) { return f.properties.kind === kind; },
        style: function () { return styles[kind]; },
        onEachFeature: function (f, l) { l.bindTooltip(f.properties.name); }
      }).addTo(map);
      if (kind === "park") { parks = layer; }
    });
    if (parks.getLayers().length) { map.fitBounds(parks.getBounds().pad(0.15)); } else { map.setView([31.5, 117.5], 7); }
    var x = parseFloat(lon.value), y = parseFloat(lat.value);
    if (!isNaN(x) && !isNaN(y) && crs.value === "wgs84") { place([y, x]); }
    box.setAttribute("data-ready", "1");
  });
  map.on("click", function (e) {
    lon.value = e.latlng.lng.toFixed(6);
    lat.value = e.latlng.lat.toFixed(6);
    crs.value = "wgs84";
    place(e.latlng);
  });
})();

/* haiha-map.js: the map controls of haiha_geo (written for this project; MIT).
 *
 * Reads the map's data from a <script type="application/json"> block and
 * builds every layer and control with Leaflet 1.9 alone. User data never
 * reaches innerHTML: popups, tooltips, labels, the legend, the search results
 * and the measure readout are DOM nodes filled with textContent; layer names
 * given to L.control.layers (which uses innerHTML) are HTML-escaped first.
 */
(function (global) {
  "use strict";

  // ---- text helpers -------------------------------------------------------
  function escapeHtml(text) {
    return String(text).replace(/[&<>"'`=\/]/g, function (c) {
      return "&#" + c.charCodeAt(0) + ";";
    });
  }

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  /** Matching key of a unit name, as haiha_geo.names.normalise. */
  var PREFIXES = ["thi tran", "dac khu", "phuong", "huyen", "tt.", "tt ", "xa "];
  function normalise(text) {
    var s = String(text).normalize("NFC").split(/\s+/).filter(Boolean).join(" ");
    s = s.replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase().trim();
    for (var i = 0; i < PREFIXES.length; i++) {
      if (s.indexOf(PREFIXES[i]) === 0 && s.length > PREFIXES[i].length) {
        s = s.slice(PREFIXES[i].length);
        break;
      }
    }
    return s.replace(/[^0-9a-z]+/g, "");
  }

  function fmt(value, digits) {
    return value.toLocaleString("vi-VN", { minimumFractionDigits: digits, maximumFractionDigits: digits });
  }

  // ---- WGS 84 -> the planning CRS (VN-2000 TM-3: data.projection), pinned datum shift -----
  var A = 6378137.0, F = 1 / 298.257223563, E2 = F * (2 - F);
  var SEC = Math.PI / (180 * 3600);

  function toCartesian(lat, lon) {
    var sl = Math.sin(lat), n = A / Math.sqrt(1 - E2 * sl * sl);
    return [n * Math.cos(lat) * Math.cos(lon), n * Math.cos(lat) * Math.sin(lon), n * (1 - E2) * sl];
  }

  function toGeodetic(x, y, z) {
    var p = Math.hypot(x, y), lon = Math.atan2(y, x), lat = Math.atan2(z, p * (1 - E2)), h = 0;
    for (var i = 0; i < 8; i++) {
      var sl = Math.sin(lat), n = A / Math.sqrt(1 - E2 * sl * sl);
      h = p / Math.cos(lat) - n;
      lat = Math.atan2(z, p * (1 - E2 * n / (n + h)));
    }
    return [lat, lon];
  }

  /** Inverse of the coordinate-frame Helmert VN-2000 -> WGS 84 (QĐ 05/2007 parameters). */
  function helmertInverse(xyz, h) {
    var rx = h.rx * SEC, ry = h.ry * SEC, rz = h.rz * SEC, scale = 1 + h.s * 1e-6;
    var dx = xyz[0] - h.x, dy = xyz[1] - h.y, dz = xyz[2] - h.z;
    // coordinate frame R = [[1, rz, -ry], [-rz, 1, rx], [ry, -rx, 1]]; inverse = R^T / scale
    return [
      (dx - rz * dy + ry * dz) / scale,
      (rz * dx + dy - rx * dz) / scale,
      (-ry * dx + rx * dy + dz) / scale
    ];
  }

  /** Transverse Mercator, Krüger series to n^6 (Karney 2011), as PROJ's tmerc. */
  function tmerc(lat, lon, tm) {
    var n = F / (2 - F), n2 = n * n, n3 = n2 * n, n4 = n3 * n, n5 = n4 * n, n6 = n5 * n;
    var bigA = A / (1 + n) * (1 + n2 / 4 + n4 / 64 + n6 / 256);
    var alpha = [
      n / 2 - 2 * n2 / 3 + 5 * n3 / 16 + 41 * n4 / 180 - 127 * n5 / 288 + 7891 * n6 / 37800,
      13 * n2 / 48 - 3 * n3 / 5 + 557 * n4 / 1440 + 281 * n5 / 630 - 1983433 * n6 / 1935360,
      61 * n3 / 240 - 103 * n4 / 140 + 15061 * n5 / 26880 + 167603 * n6 / 181440,
      49561 * n4 / 161280 - 179 * n5 / 168 + 6601661 * n6 / 7257600,
      34729 * n5 / 80640 - 3418889 * n6 / 1995840,
      212378941 * n6 / 319334400
    ];
    var e = Math.sqrt(E2), sl = Math.sin(lat), dl = lon - tm.lon0 * Math.PI / 180;
    var t = Math.sinh(Math.atanh(sl) - e * Math.atanh(e * sl));
    var xi0 = Math.atan2(t, Math.cos(dl)), eta0 = Math.atanh(Math.sin(dl) / Math.sqrt(1 + t * t));
    var xi = xi0, eta = eta0;
    for (var j = 1; j <= 6; j++) {
      xi += alpha[j - 1] * Math.sin(2 * j * xi0) * Math.cosh(2 * j * eta0);
      eta += alpha[j - 1] * Math.cos(2 * j * xi0) * Math.sinh(2 * j * eta0);
    }
    return [tm.x0 + tm.k0 * bigA * eta, tm.y0 + tm.k0 * bigA * xi];
  }

  /** The planning CRS (pinned datum shift and TM parameters), from the page's data block (init). */
  var PLANNING = null;

  /** WGS 84 lon/lat (degrees) -> [E, N] metres in the planning CRS of the data block. */
  function toVN2000(lon, lat) {
    var d = Math.PI / 180;
    var xyz = helmertInverse(toCartesian(lat * d, lon * d), PLANNING.helmert);
    var g = toGeodetic(xyz[0], xyz[1], xyz[2]);
    return tmerc(g[0], g[1], PLANNING.tm);
  }

  // ---- topology: flat delta-encoded arcs -> GeoJSON --------------------------
  function decodeArcs(topo) {
    var sx = topo.transform.scale[0], sy = topo.transform.scale[1];
    var tx = topo.transform.translate[0], ty = topo.transform.translate[1];
    return topo.arcs.map(function (flat) {
      var x = 0, y = 0, out = [];
      for (var i = 0; i < flat.length; i += 2) {
        x += flat[i]; y += flat[i + 1];
        out.push([x * sx + tx, y * sy + ty]);
      }
      return out;
    });
  }

  function ringOf(arcs, ids) {
    var out = [];
    ids.forEach(function (id) {
      var arc = id < 0 ? arcs[~id].slice().reverse() : arcs[id];
      out.push.apply(out, out.length ? arc.slice(1) : arc);
    });
    return out;
  }

  function toFeature(arcs, g) {
    var polygons = g.arcs.map(function (polygon) {
      return polygon.map(function (ring) { return ringOf(arcs, ring); });
    });
    var geometry = polygons.length === 1 ? { type: "Polygon", coordinates: polygons[0] }
      : { type: "MultiPolygon", coordinates: polygons };
    return { type: "Feature", properties: g.properties, geometry: geometry };
  }

  function topoFeatures(topo, arcs, name) {
    return topo.objects[name].map(function (g) { return toFeature(arcs, g); });
  }

  // ---- popups, tooltips, labels ----------------------------------------------
  var SAFE_URL = /^https?:\/\/[^\s<>"]+$/i;

  var strings = [];  // texts shared by many popups; rows hold their indexes

  function text(item) { return typeof item === "number" ? strings[item] : item; }

  function popupNode(p) {
    var box = el("div", "haiha-popup");
    box.appendChild(el("div", "haiha-popup-title", p.title));
    var table = el("table");
    (p.rows || []).forEach(function (row) {
      var tr = el("tr");
      var value = String(text(row[1]));
      tr.appendChild(el("th", null, text(row[0])));
      var td = el("td");
      if (SAFE_URL.test(value)) {
        var a = el("a", null, value);
        a.href = value; a.target = "_blank"; a.rel = "noopener noreferrer";
        td.appendChild(a);
      } else {
        td.textContent = value;
      }
      tr.appendChild(td);
      table.appendChild(tr);
    });
    box.appendChild(table);
    return box;
  }

  var SVG_NS = "http://www.w3.org/2000/svg";
  var ICONS = {
    fullscreen: "M3 9V3h6M15 3h6v6M21 15v6h-6M9 21H3v-6",
    measure: "M2 17l15-15 5 5-15 15zM6 13l2 2M9 10l3 3M12 7l2 2M15 4l3 3"
  };

  function icon(name) {
    var svg = document.createElementNS(SVG_NS, "svg");
    svg.setAttribute("viewBox", "0 0 24 24"); svg.setAttribute("width", "18"); svg.setAttribute("height", "18");
    svg.setAttribute("aria-hidden", "true");
    var path = document.createElementNS(SVG_NS, "path");
    path.setAttribute("d", ICONS[name]); path.setAttribute("fill", "none");
    path.setAttribute("stroke", "currentColor"); path.setAttribute("stroke-width", "2");
    svg.appendChild(path);
    return svg;
  }

  function cssId(text) { return String(text).replace(/[^A-Za-z0-9_-]/g, ""); }

  /** The id of an SVG pattern of diagonal hatching in ``colour`` (made once per colour, in a hidden SVG). */
  function hatchPattern(colour) {
    var id = "haiha-hatch-" + cssId(colour);
    if (document.getElementById(id)) return id;
    var defs = document.getElementById("haiha-patterns");
    if (!defs) {
      var svg = document.createElementNS(SVG_NS, "svg");
      svg.setAttribute("width", "0"); svg.setAttribute("height", "0"); svg.setAttribute("aria-hidden", "true");
      svg.style.position = "absolute";
      defs = document.createElementNS(SVG_NS, "defs");
      defs.id = "haiha-patterns";
      svg.appendChild(defs);
      document.body.appendChild(svg);
    }
    var pattern = document.createElementNS(SVG_NS, "pattern");
    pattern.id = id;
    pattern.setAttribute("patternUnits", "userSpaceOnUse");
    pattern.setAttribute("width", "8"); pattern.setAttribute("height", "8");
    pattern.setAttribute("patternTransform", "rotate(45)");
    var line = document.createElementNS(SVG_NS, "line");
    line.setAttribute("x1", "0"); line.setAttribute("y1", "0"); line.setAttribute("x2", "0"); line.setAttribute("y2", "8");
    line.setAttribute("stroke", colour); line.setAttribute("stroke-width", "2");
    pattern.appendChild(line);
    defs.appendChild(pattern);
    return id;
  }

  function pathStyle(def, p) {
    var s = Object.assign({}, def.style || {});
    if (p.fill) s.fillColor = p.fill;
    if (p.color) s.color = p.color;
    if (p.dash) s.dashArray = p.dash;
    if (p.style) Object.assign(s, p.style);
    if (s.hatch) s.fillColor = "url(#" + hatchPattern(/^#[0-9a-fA-F]{3,8}$/.test(s.color || "") ? s.color : "#555555") + ")";
    s.className = "haiha-f haiha-layer-" + cssId(def.id) + (s.hatch ? " haiha-hatched" : "");
    return s;
  }

  /** Whether the point ll lies inside polygon layer (even-odd over every ring of every part). */
  function containsLatLng(layer, ll) {
    if (!layer.getBounds || !(layer instanceof L.Polygon) || !layer.getBounds().contains(ll)) return false;
    var inside = false;
    (function walk(rings) {
      if (!rings.length) return;
      if (rings[0] instanceof L.LatLng) {
        for (var i = 0, j = rings.length - 1; i < rings.length; j = i++) {
          var a = rings[i], b = rings[j];
          if ((a.lat > ll.lat) !== (b.lat > ll.lat) &&
              ll.lng < (b.lng - a.lng) * (ll.lat - a.lat) / (b.lat - a.lat) + a.lng) inside = !inside;
        }
        return;
      }
      rings.forEach(walk);
    })(layer.getLatLngs());
    return inside;
  }

  /** The popup of a feature of a layer drawn over others (a site's footprint): the feature, then every
   *  shown polygon of the other layers under the clicked point (the commune, its new-rural status). */
  function stackedNode(p, source, ll) {
    var box = el("div", "haiha-popup-stack");
    box.appendChild(popupNode(p));
    var m = global.haihaMap;
    if (!m || !ll) return box;
    m.data.layers.forEach(function (d) {
      var group = m.layers[d.id];
      if (d.stackBelow || !group || !group.haihaFeatures || !m.map.hasLayer(group)) return;
      group.haihaFeatures.eachLayer(function (l) {
        var q = l.feature && l.feature.properties;
        if (l === source || !q || q.title === undefined || !containsLatLng(l, ll)) return;
        var part = popupNode(q);
        part.classList.add("haiha-popup-below");
        part.insertBefore(el("div", "haiha-popup-layer", m.data.labels.below + " — " + d.name), part.firstChild);
        box.appendChild(part);
      });
    });
    return box;
  }

  function bindFeature(def, feature, layer) {
    var p = feature.properties || {};
    if (p.title !== undefined) {
      var stacked = def.stackBelow && layer instanceof L.Polygon;
      // before the popup opens (bindPopup's own click handler comes next): pan it clear of the title and controls
      layer.on("click", function () { if (layer._map) popupClear(layer._map, layer.getPopup()); });
      layer.bindPopup(function (l) {
        return stacked ? stackedNode(p, l, l.getPopup() && l.getPopup().getLatLng()) : popupNode(p);
      }, { maxWidth: 360, maxHeight: stacked ? Math.round(global.innerHeight * 0.75) : null });
      layer.bindTooltip(function () { return el("span", null, p.tip || p.title + (def.tipSuffix || "")); }, { sticky: true });
    }
  }

  function labelMarker(def, p, pane) {
    var span = el("span", "haiha-label-text", p.label);
    return L.marker([p.lp[1], p.lp[0]], {
      icon: L.divIcon({ className: "haiha-label haiha-label-" + cssId(def.id), html: span, iconSize: null }),
      interactive: false, keyboard: false, pane: pane, minZoom: p.lz || 0
    });
  }

  /** Register a layer's names with the label placer (see "labels that fit" below). */
  function fitLabels(map, group, markers) {
    group.haihaLabels = markers;
    watchLabels(map);
  }

  function pointMarker(def, feature, latlng) {
    var p = feature.properties || {};
    var sym = el("span", "haiha-icon-symbol", p.symbol || "●");
    sym.style.background = p.fill || (def.style && def.style.fillColor) || "#3388ff";
    return L.marker(latlng, {
      icon: L.divIcon({ className: "haiha-icon haiha-layer-" + cssId(def.id), html: sym, iconSize: [22, 22], iconAnchor: [11, 11] }),
      title: String(p.tip || p.title || ""), pane: def.pane || "markerPane"
    });
  }

  /** Search entries (matching key, title, layer) of every feature of the searchable layers. */
  function searchIndex(defs, layers) {
    var index = [];
    defs.filter(function (d) { return d.searchable && !d.topology; }).forEach(function (def) {
      var group = layers[def.id];
      group.haihaFeatures.eachLayer(function (layer) {
        var p = layer.feature.properties || {};
        if (p.title === undefined) return;
        var keys = [p.search || p.label || p.title].concat(p.aka || []).map(normalise);
        var rows = def.searchRows ? (p.rows || []).map(function (r) { return [text(r[0]), String(text(r[1]))]; }) : [];
        index.push({ keys: keys, rows: rows, rowKeys: rows.map(function (r) { return normalise(r[1]); }),
          title: p.title, aka: p.aka, era: def.name, layer: layer, group: group, kind: def.group });
      });
    });
    return index;
  }

  function buildLayer(map, def, features) {
    var pane = def.pane || "overlayPane";  // one SVG renderer per pane; the map's own serves overlayPane
    var group = L.featureGroup();
    var options = {
      style: function (f) { return pathStyle(def, f.properties || {}); },
      pointToLayer: function (f, latlng) { return pointMarker(def, f, latlng); },
      onEachFeature: function (f, layer) { bindFeature(def, f, layer); }
    };
    if (pane !== "overlayPane") options.pane = pane;
    var geo = L.geoJSON({ type: "FeatureCollection", features: features }, options);
    group.addLayer(geo);
    if (def.labels) {
      var markers = geo.getLayers().filter(function (l) { var p = l.feature.properties; return p && p.lp && p.label; })
        .map(function (l) {
          var m = labelMarker(def, l.feature.properties, def.labelPane || "tooltipPane");
          m.haihaUnit = l; m.haihaPane = def.labelPane || null;
          return m;
        });
      markers.forEach(function (m) { group.addLayer(m); });
      fitLabels(map, group, markers);
    }
    group.haihaFeatures = geo;
    return group;
  }

  // ---- large polygon layers (issue 13): own shared arcs, one canvas, level of detail ------------------
  /* A layer of many polygons keeps no Leaflet object per feature. Its arcs are decoded once into one
   * Float64Array of Web-Mercator points, its features into offsets (typed arrays) with their bounds in a
   * grid of cells, and one canvas (ParcelCanvas, a Leaflet renderer) draws, at every move, the features
   * whose bounds meet the padded view: the memory held is the same whatever part of the layer has been
   * visited. Below def.detailZoom the canvas draws the layer's dissolved outline instead. Pointer events
   * are routed by the map (routeParcels): a click or hover over a feature is the feature's, even where an
   * era fill lies below; elsewhere the event goes on to what lies under it. */

  /** Title and popup rows of feature i of a columnar table (userlayer.table). */
  function tableRow(table, i) {
    var rows = [];
    table.labels.forEach(function (label, c) {
      var col = table.columns[c], v = col.values ? col.values[i] : (col.codes[i] === null ? null : col.dict[col.codes[i]]);
      if (v !== null && v !== undefined) rows.push([label, v]);
    });
    return { title: table.titles ? table.titles[i] : table.prefix + " #" + (i + 1), rows: rows };
  }

  /** Leaflet's EPSG:3857 at zoom 0 over the unit square: pixels at zoom z are 256 * 2^z * [x, y]. */
  function fromMercator(x, y) {
    return L.latLng(360 / Math.PI * Math.atan(Math.exp((1 - 2 * y) * Math.PI)) - 90, x * 360 - 180);
  }

  /** The chained arcs of a topology as one array of Web-Mercator points and the index of each arc's first. */
  function decodeMercator(topo) {
    var sx = topo.transform.scale[0], sy = topo.transform.scale[1];
    var tx = topo.transform.translate[0], ty = topo.transform.translate[1];
    var n = 0, x = 0, y = 0, k = 0, d = Math.PI / 180;
    topo.arcs.forEach(function (flat) { n += flat.length / 2; });
    var xy = new Float64Array(2 * n), start = new Int32Array(topo.arcs.length + 1);
    topo.arcs.forEach(function (flat, a) {
      start[a] = k / 2;
      for (var i = 0; i < flat.length; i += 2) {
        x += flat[i]; y += flat[i + 1];
        var s = Math.sin((y * sy + ty) * d);
        xy[k++] = (x * sx + tx + 180) / 360;
        xy[k++] = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
      }
    });
    start[topo.arcs.length] = n;
    return { xy: xy, start: start };
  }

  /** Call fn(x, y) for each point of ring r of a shape set, in stored order or reversed. */
  function ringPoints(set, r, reverse, fn) {
    var xy = set.xy, start = set.start, a0 = set.ring[r], a1 = set.ring[r + 1];
    for (var j = 0; j < a1 - a0; j++) {
      var id = reverse ? ~set.arcs[a1 - 1 - j] : set.arcs[a0 + j];
      var arc = id < 0 ? ~id : id, step = id < 0 ? -1 : 1;
      var p0 = id < 0 ? start[arc + 1] - 1 : start[arc], end = id < 0 ? start[arc] - 1 : start[arc + 1];
      for (var p = j ? p0 + step : p0; p !== end; p += step) fn(xy[2 * p], xy[2 * p + 1]);
    }
  }

  /** Features (lists of polygons of rings of arc ids) as typed arrays: each feature's first ring, each
   *  ring's first arc, whether a ring is walked backwards (so that outer rings turn one way and holes the
   *  other: one nonzero fill then paints many features at once), each feature's bounds, and the grid.
   *  firstUse: the ids are written by topology.first_use (0 is the next new arc, i + 1 a used one). */
  function shapeSet(objects, arcs, firstUse) {
    var nr = 0, na = 0, next = 0;
    objects.forEach(function (polys) {
      polys.forEach(function (rings) { nr += rings.length; rings.forEach(function (ids) { na += ids.length; }); });
    });
    var n = objects.length, set = { n: n, xy: arcs.xy, start: arcs.start, first: new Int32Array(n + 1),
      ring: new Int32Array(nr + 1), arcs: new Int32Array(na), back: new Uint8Array(nr), box: new Float64Array(4 * n) };
    var r = 0, a = 0;
    objects.forEach(function (polys, f) {
      var box = [Infinity, Infinity, -Infinity, -Infinity];
      set.first[f] = r;
      polys.forEach(function (rings) {
        rings.forEach(function (ids, h) {
          set.ring[r] = a;
          ids.forEach(function (id) { set.arcs[a++] = !firstUse ? id : id === 0 ? next++ : id > 0 ? id - 1 : id; });
          set.ring[r + 1] = a;
          var area = 0, px = NaN, py = NaN;
          ringPoints(set, r, false, function (x, y) {
            if (px === px) area += px * y - x * py;
            px = x; py = y;
            if (x < box[0]) box[0] = x; if (y < box[1]) box[1] = y;
            if (x > box[2]) box[2] = x; if (y > box[3]) box[3] = y;
          });
          set.back[r] = (h === 0) === (area < 0) ? 1 : 0;
          r++;
        });
      });
      set.box.set(box, 4 * f);
    });
    set.first[n] = r;
    set.grid = cellGrid(set);
    return set;
  }

  /** Feature indexes by cell of a grid over the features' bounds, about 32 a cell (CSR arrays). */
  function cellGrid(set) {
    var box = set.box, n = set.n, x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity, f, c;
    for (f = 0; f < n; f++) {
      x0 = Math.min(x0, box[4 * f]); y0 = Math.min(y0, box[4 * f + 1]);
      x1 = Math.max(x1, box[4 * f + 2]); y1 = Math.max(y1, box[4 * f + 3]);
    }
    var side = Math.max(1, Math.round(Math.sqrt(n / 32)));
    var g = { x0: x0, y0: y0, cw: (x1 - x0) / side || 1, ch: (y1 - y0) / side || 1, side: side,
      start: new Int32Array(side * side + 1), seen: new Uint32Array(n), mark: 0 };
    function each(f, fn) {
      var c0 = cellRange(g, box[4 * f], box[4 * f + 2], g.x0, g.cw), r0 = cellRange(g, box[4 * f + 1], box[4 * f + 3], g.y0, g.ch);
      for (var j = r0[0]; j <= r0[1]; j++) for (var i = c0[0]; i <= c0[1]; i++) fn(j * side + i);
    }
    for (f = 0; f < n; f++) each(f, function (cell) { g.start[cell + 1]++; });
    for (c = 0; c < side * side; c++) g.start[c + 1] += g.start[c];
    var fill = g.start.slice(0, side * side);
    g.items = new Int32Array(g.start[side * side]);
    for (f = 0; f < n; f++) each(f, function (cell) { g.items[fill[cell]++] = f; });
    return g;
  }

  function cellRange(g, lo, hi, origin, size) {
    var clamp = function (v) { return Math.max(0, Math.min(g.side - 1, Math.floor((v - origin) / size))); };
    return [clamp(lo), clamp(hi)];
  }

  /** Call fn(f) once for each feature whose bounds meet the box [x0, y0, x1, y1] (Web-Mercator). */
  function query(set, x0, y0, x1, y1, fn) {
    var g = set.grid, box = set.box, mark = ++g.mark;
    var cols = cellRange(g, x0, x1, g.x0, g.cw), rows = cellRange(g, y0, y1, g.y0, g.ch);
    for (var j = rows[0]; j <= rows[1]; j++) {
      for (var i = cols[0]; i <= cols[1]; i++) {
        var cell = j * g.side + i;
        for (var k = g.start[cell]; k < g.start[cell + 1]; k++) {
          var f = g.items[k];
          if (g.seen[f] === mark) continue;
          g.seen[f] = mark;
          if (box[4 * f] <= x1 && box[4 * f + 2] >= x0 && box[4 * f + 1] <= y1 && box[4 * f + 3] >= y0) fn(f);
        }
      }
    }
  }

  /** Whether the Web-Mercator point lies inside feature f (even-odd over its rings). */
  function inside(set, f, x, y) {
    var c = false;
    for (var r = set.first[f]; r < set.first[f + 1]; r++) {
      var px = NaN, py = NaN;
      ringPoints(set, r, false, function (qx, qy) {
        if (px === px && (qy > y) !== (py > y) && x < (px - qx) * (y - qy) / (py - qy) + qx) c = !c;
        px = qx; py = qy;
      });
    }
    return c;
  }

  /** A point inside feature f: the middle of its widest inside span on the line through its bounds' centre. */
  function interior(set, f) {
    var b = set.box, y = (b[4 * f + 1] + b[4 * f + 3]) / 2, xs = [];
    for (var r = set.first[f]; r < set.first[f + 1]; r++) {
      var px = NaN, py = NaN;
      ringPoints(set, r, false, function (qx, qy) {
        if (px === px && (qy > y) !== (py > y)) xs.push((px - qx) * (y - qy) / (py - qy) + qx);
        px = qx; py = qy;
      });
    }
    xs.sort(function (p, q) { return p - q; });
    var best = [(b[4 * f] + b[4 * f + 2]) / 2, y], width = -1;
    for (var i = 0; i + 1 < xs.length; i += 2) {
      if (xs[i + 1] - xs[i] > width) { width = xs[i + 1] - xs[i]; best = [(xs[i] + xs[i + 1]) / 2, y]; }
    }
    return best;
  }

  /** Leaflet's path defaults under a layer's style, as the canvas paints it. */
  function paintStyle(style) {
    var s = Object.assign({ stroke: true, color: "#3388ff", weight: 3, opacity: 1, fill: true, fillOpacity: 0.2,
      lineCap: "round", lineJoin: "round" }, style);
    s.dash = s.dashArray ? String(s.dashArray).split(/[, ]+/).map(Number) : [];
    return s;
  }

  function paint(ctx, s) {
    if (s.fill) { ctx.globalAlpha = s.fillOpacity; ctx.fillStyle = s.fillColor || s.color; ctx.fill("nonzero"); }
    if (s.stroke && s.weight) {
      ctx.setLineDash(s.dash); ctx.globalAlpha = s.opacity; ctx.lineWidth = s.weight; ctx.strokeStyle = s.color;
      ctx.lineCap = s.lineCap; ctx.lineJoin = s.lineJoin; ctx.stroke();
    }
  }

  /** A Leaflet renderer with no paths of its own: its canvas follows the view (padding, zoom animation)
   *  and is drawn by this.draw() after each move. Pointer events pass through it (see routeParcels). */
  var ParcelCanvas = L.Renderer.extend({
    onAdd: function () {
      L.Renderer.prototype.onAdd.call(this);  // sizes the canvas before it listens to its own updates
      this.draw();
    },
    _initContainer: function () {
      this._container = el("canvas", "haiha-parcels");
      this._ctx = this._container.getContext("2d");
    },
    _destroyContainer: function () {
      L.DomUtil.remove(this._container);
      delete this._container; delete this._ctx;
    },
    _update: function () {
      if (this._map._animatingZoom && this._bounds) return;
      L.Renderer.prototype._update.call(this);
      var b = this._bounds, size = b.getSize(), m = L.Browser.retina ? 2 : 1, c = this._container;
      L.DomUtil.setPosition(c, b.min);
      c.width = m * size.x; c.height = m * size.y;
      c.style.width = size.x + "px"; c.style.height = size.y + "px";
      this._ctx.setTransform(m, 0, 0, m, -m * b.min.x, -m * b.min.y);
      this.fire("update");
    },
    _updatePaths: function () { this.draw(); }
  });

  /** The canvas pane of large layers: above the era and compared layers, below markers and popups. */
  var PARCEL_PANE = "haiha-parcels";

  function parcelLayer(map, def) {
    var topo = def.topology, arcs = decodeMercator(topo), detail = null, selected = -1, hovered = null;
    topo.arcs = null;  // decoded: the typed array holds the same points in a fraction of the JSON's memory
    var outline = shapeSet(topo.objects.outline.map(function (o) { return o.arcs; }), arcs);
    var styles = { detail: paintStyle(def.style), selected: paintStyle(Object.assign({}, def.style, { weight: 4,
      color: "#1f1fff", fillOpacity: Math.min(1, (def.style.fillOpacity || 0.2) + 0.3) })),
      outline: paintStyle(Object.assign({}, def.style, { fillOpacity: 0.15, dashArray: "4 3" })) };
    if (!def.pane && !map.getPane(PARCEL_PANE)) map.createPane(PARCEL_PANE).style.zIndex = "450";
    var layer = new ParcelCanvas({ padding: 0.2, pane: def.pane || PARCEL_PANE });
    var popup = L.popup({ maxWidth: 360 }), tip = L.tooltip({ direction: "auto", offset: [12, 0] });
    popup.on("remove", function () { if (selected >= 0) { selected = -1; layer.draw(); } });
    /** The features as typed arrays, made on the first zoom-in (then their JSON is dropped). */
    function features() {
      if (!detail) { detail = shapeSet(topo.objects.features, arcs, topo.firstUse); topo.objects.features = null; }
      return detail;
    }
    function level() { return map.getZoom() >= def.detailZoom ? "detail" : "outline"; }
    function trace(ctx, set, f, k, o) {
      for (var r = set.first[f]; r < set.first[f + 1]; r++) {
        var first = true;
        ringPoints(set, r, set.back[r] === 1, function (x, y) {
          if (first) { ctx.moveTo(x * k - o.x, y * k - o.y); first = false; } else ctx.lineTo(x * k - o.x, y * k - o.y);
        });  // a ring ends on its first point: no closePath, which costs time in proportion to the whole path
      }
    }
    layer.draw = function () {
      var ctx = layer._ctx;
      if (!ctx) return;
      ctx.save(); ctx.setTransform(1, 0, 0, 1, 0, 0); ctx.clearRect(0, 0, ctx.canvas.width, ctx.canvas.height); ctx.restore();
      var lod = layer.haihaLevel = level(), set = lod === "detail" ? features() : outline;
      var k = 256 * Math.pow(2, map.getZoom()), o = map.getPixelOrigin(), b = layer._bounds;
      ctx.beginPath();
      query(set, (b.min.x + o.x) / k, (b.min.y + o.y) / k, (b.max.x + o.x) / k, (b.max.y + o.y) / k,
        function (f) { trace(ctx, set, f, k, o); });
      paint(ctx, styles[lod]);
      if (lod === "detail" && selected >= 0) { ctx.beginPath(); trace(ctx, set, selected, k, o); paint(ctx, styles.selected); }
    };
    /** The feature under a container point (its index), or -1. */
    layer.hit = function (point) {
      var x = map.haihaDivider;
      if (def.pane && x !== null && x !== undefined && (/-left$/.test(def.pane) ? point.x > x : point.x < x)) return -1;
      var ll = map.containerPointToLatLng(point), set = level() === "detail" ? features() : outline, found = -1;
      var s = Math.sin(ll.lat * Math.PI / 180), mx = (ll.lng + 180) / 360;
      var my = 0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI);
      query(set, mx, my, mx, my, function (f) { if (f > found && inside(set, f, mx, my)) found = f; });
      return found;
    };
    /** Click on feature f at latlng: its popup (the outline: zoom in there). */
    layer.open = function (f, latlng) {
      if (level() === "outline") { map.setView(latlng, Math.ceil(def.detailZoom)); return; }
      popup.setLatLng(latlng).setContent(popupNode(tableRow(def.table, f)));
      popupClear(map, popup);
      popup.openOn(map);
      selected = f;
      layer.draw();
    };
    /** Hover over feature f at latlng (f < 0: the pointer left the layer): its title as a tooltip. */
    layer.hover = function (f, latlng) {
      if (f < 0) { hovered = null; if (map.hasLayer(tip)) map.removeLayer(tip); return; }
      var key = level() + f;
      if (key !== hovered) {
        tip.setContent(el("span", null, level() === "outline" ? topo.objects.outline[f].properties.tip
          : tableRow(def.table, f).title));
        hovered = key;
      }
      tip.setLatLng(latlng);
      if (!map.hasLayer(tip)) tip.addTo(map);
    };
    /** Show feature f (from the search box): zoomed in to it, with its popup. */
    layer.select = function (f) {
      if (!map.hasLayer(layer)) map.addLayer(layer);
      var set = features(), b = set.box, dz = Math.ceil(def.detailZoom), p = interior(set, f);
      var bounds = L.latLngBounds(fromMercator(b[4 * f], b[4 * f + 3]), fromMercator(b[4 * f + 2], b[4 * f + 1]));
      var at = fromMercator(p[0], p[1]);
      map.setView(at, Math.max(dz, Math.min(map.getBoundsZoom(bounds), dz + 2)), { animate: false });
      layer.open(f, at);
    };
    layer.find = parcelFinder(def, layer);
    layer.on("remove", function () { layer.haihaLevel = null; layer.hover(-1); });
    routeParcels(map).push(layer);
    return layer;
  }

  /** Search in a large layer's popup texts: find(q, limit) -> up to limit results {text, open}. The
   *  normalised texts are made on the first search (a dictionary column once per distinct text). */
  function parcelFinder(def, layer) {
    var table = def.table, columns = null;
    function keys() {
      return table.labels.map(function (label, c) {
        var col = table.columns[c], norm = function (v) { return v === null ? "" : normalise(v); };
        return col.values ? { label: label, values: col.values.map(norm) }
          : { label: label, dict: col.dict.map(norm), codes: col.codes };
      }).concat(table.titles ? [{ title: true, values: table.titles.map(normalise) }] : []);
    }
    return function (q, limit) {
      var out = [];
      if (limit <= 0) return out;
      columns = columns || keys();
      var dictHits = columns.map(function (c) { return c.dict && c.dict.map(function (k) { return k.indexOf(q) !== -1; }); });
      var n = table.columns.length ? table.columns[0][table.columns[0].values ? "values" : "codes"].length : 0;
      for (var f = 0; f < n && out.length < limit; f++) {
        for (var c = 0; c < columns.length; c++) {
          var col = columns[c];
          var hit = col.dict ? col.codes[f] !== null && dictHits[c][col.codes[f]] : col.values[f].indexOf(q) !== -1;
          if (!hit) continue;
          var row = tableRow(table, f), value = col.title ? null : row.rows.filter(function (r) { return r[0] === col.label; })[0];
          out.push({ text: row.title + (value ? " (" + value[0] + ": " + value[1] + ")" : "") + " — " + def.name,
            open: layer.select.bind(null, f) });
          break;
        }
      }
      return out;
    };
  }

  /** Elements above the large layers' canvases: they keep their own pointer events. */
  var ABOVE_PARCELS = ".leaflet-control-container, .leaflet-marker-pane, .leaflet-popup-pane, .leaflet-tooltip-pane, .haiha-compare";

  /** The map's large layers, and the routing of pointer events to them (capture phase, so before the paths
   *  below): a click on a feature opens it and goes no further; while the pointer is over one, the paths
   *  below let pointer events through (so their tooltips close) and the feature's tooltip follows it. */
  function routeParcels(map) {
    if (map.haihaParcels) return map.haihaParcels;
    var list = map.haihaParcels = [], box = map.getContainer(), over = null;
    function depth(layer) {
      var c = layer._container, pane = c.parentNode;
      return Number(pane.style.zIndex || 0) * 1e6 + Array.prototype.indexOf.call(pane.children, c);
    }
    function under(ev) {
      if (box.classList.contains("haiha-measuring") || (ev.target.closest && ev.target.closest(ABOVE_PARCELS))) return null;
      var point = map.mouseEventToContainerPoint(ev), best = null;
      list.forEach(function (layer) {
        if (!map.hasLayer(layer) || (best && depth(layer) < depth(best.layer))) return;
        var f = layer.hit(point);
        if (f >= 0) best = { layer: layer, f: f };
      });
      if (best) best.latlng = map.containerPointToLatLng(point);
      return best;
    }
    function hover(hit) {
      if (over && (!hit || hit.layer !== over.layer)) over.layer.hover(-1);
      if (hit) hit.layer.hover(hit.f, hit.latlng);
      box.classList.toggle("haiha-over-parcel", !!hit);
      over = hit;
    }
    box.addEventListener("click", function (ev) {
      if (map.dragging && map.dragging.moved()) return;
      var hit = under(ev);
      if (!hit) return;
      ev.stopImmediatePropagation();
      hit.layer.open(hit.f, hit.latlng);
    }, true);
    box.addEventListener("mousemove", function (ev) { hover(ev.buttons ? null : under(ev)); }, true);
    box.addEventListener("mouseleave", function () { hover(null); });
    return list;
  }

  // ---- controls ----------------------------------------------------------------
  function control(position, build) {
    var C = L.Control.extend({
      options: { position: position },
      onAdd: function (map) {
        var div = el("div", "leaflet-bar haiha-control");
        L.DomEvent.disableClickPropagation(div);
        L.DomEvent.disableScrollPropagation(div);
        build(div, map);
        return div;
      }
    });
    return new C();
  }

  function mousePosition(map, labels) {
    control("bottomleft", function (div) {
      div.classList.add("haiha-mouse");
      var wgs = el("div", "haiha-mouse-wgs", labels.mouseHint);
      var vn = el("div", "haiha-mouse-vn2000", "");
      div.appendChild(wgs); div.appendChild(vn);
      function show(ll) {
        var en = toVN2000(ll.lng, ll.lat);
        wgs.textContent = "WGS 84: " + ll.lat.toFixed(6) + "° B, " + ll.lng.toFixed(6) + "° Đ";
        vn.textContent = PLANNING.name + ": E " + en[0].toFixed(3) + " m, N " + en[1].toFixed(3) + " m";
        vn.setAttribute("data-e", en[0].toFixed(3));
        vn.setAttribute("data-n", en[1].toFixed(3));
      }
      map.on("mousemove", function (ev) { show(ev.latlng); });
    }).addTo(map);
  }

  function fullscreen(map, labels) {
    control("topleft", function (div) {
      var a = el("a", "haiha-fullscreen");
      a.appendChild(icon("fullscreen"));
      a.href = "#"; a.title = labels.fullscreen; a.setAttribute("role", "button");
      L.DomEvent.on(a, "click", function (ev) {
        L.DomEvent.preventDefault(ev);
        var box = map.getContainer();
        var on = !box.classList.contains("haiha-is-fullscreen");
        box.classList.toggle("haiha-is-fullscreen", on);
        if (on && box.requestFullscreen) box.requestFullscreen().catch(function () {});
        if (!on && document.fullscreenElement && document.exitFullscreen) document.exitFullscreen().catch(function () {});
        setTimeout(function () { map.invalidateSize(); }, 50);
      });
      div.appendChild(a);
    }).addTo(map);
  }

  function planarArea(points) {
    var sum = 0;
    for (var i = 0; i < points.length; i++) {
      var a = points[i], b = points[(i + 1) % points.length];
      sum += a[0] * b[1] - b[0] * a[1];
    }
    return Math.abs(sum) / 2;
  }

  function measure(map, labels) {
    var line = null, points = [], active = false, readout;
    function update() {
      var en = points.map(function (ll) { return toVN2000(ll.lng, ll.lat); });
      var length = 0;
      for (var i = 1; i < en.length; i++) length += Math.hypot(en[i][0] - en[i - 1][0], en[i][1] - en[i - 1][1]);
      var text = labels.length + ": " + fmt(length, 1) + " m";
      if (en.length > 2) text += " · " + labels.area + ": " + fmt(planarArea(en) / 1e4, 3) + " ha";
      readout.textContent = points.length ? text : labels.measureHint;
    }
    function click(ev) {
      points.push(ev.latlng);
      if (!line) line = L.polyline([], { color: "#d7263d", weight: 2, dashArray: "4 4", interactive: false }).addTo(map);
      line.setLatLngs(points.length > 2 ? points.concat([points[0]]) : points);
      update();
    }
    control("topleft", function (div) {
      var a = el("a", "haiha-measure");
      a.appendChild(icon("measure"));
      a.href = "#"; a.title = labels.measure; a.setAttribute("role", "button");
      readout = el("div", "haiha-measure-readout", "");
      readout.style.display = "none";
      L.DomEvent.on(a, "click", function (ev) {
        L.DomEvent.preventDefault(ev);
        active = !active;
        a.classList.toggle("haiha-active", active);
        readout.style.display = active ? "block" : "none";
        points = [];
        if (line) { map.removeLayer(line); line = null; }
        // while measuring, features let clicks through (their popups would stop them)
        map.getContainer().classList.toggle("haiha-measuring", active);
        if (active) map.on("click", click); else map.off("click", click);
        update();
      });
      div.appendChild(a); div.appendChild(readout);
    }).addTo(map);
  }

  /** The search box: features of the small layers (index) by name, of the large ones (parcels) by their
   *  popup texts; a result zooms to its feature and opens its popup. */
  function search(map, index, parcels, labels) {
    var LIMIT = 12;
    function unit(it, q) {
      var former = (it.aka || []).filter(function (a) { return normalise(a).indexOf(q) !== -1; });
      var row = it.keys.some(function (k) { return k.indexOf(q) !== -1; }) ? null
        : it.rows[it.rowKeys.findIndex(function (k) { return k.indexOf(q) !== -1; })];
      var note = former.length ? " (" + labels.formerly + " " + former.join(", ") + ")" : row ? " (" + row[0] + ": " + row[1] + ")" : "";
      return { text: it.title + note + " — " + it.era,
        open: function () {
          if (!map.hasLayer(it.group)) {
            // a result of another era replaces the era shown (never two eras drawn over each other)
            if (it.kind) index.forEach(function (other) {
              if (other.kind === it.kind && other.group !== it.group && map.hasLayer(other.group)) map.removeLayer(other.group);
            });
            map.addLayer(it.group);
          }
          var bounds = it.layer.getBounds ? it.layer.getBounds() : L.latLngBounds([it.layer.getLatLng()]);
          map.fitBounds(bounds, { maxZoom: 14, animate: false });  // the popup then pans itself into the final view
          popupClear(map, it.layer.getPopup());
          it.layer.openPopup(bounds.getCenter());
        } };
    }
    control("topright", function (div) {
      div.classList.add("haiha-search");
      var input = el("input");
      // on a phone the box is narrow: a short hint that fits, the whole one for screen readers
      input.type = "search"; input.placeholder = narrow() ? labels.searchShort : labels.search;
      input.setAttribute("aria-label", labels.search);
      var list = el("ul", "haiha-search-results");
      div.appendChild(input); div.appendChild(list);
      function choose(item) {
        item.open();
        list.textContent = "";
      }
      input.addEventListener("input", function () {
        var q = normalise(input.value);
        list.textContent = "";
        if (!q) return;
        var found = index.filter(function (it) {
          return it.keys.concat(it.rowKeys).some(function (k) { return k.indexOf(q) !== -1; });
        }).slice(0, LIMIT).map(function (it) { return unit(it, q); });
        parcels.forEach(function (layer) { found = found.concat(layer.find(q, LIMIT - found.length)); });
        found.forEach(function (item) {
          var li = el("li", null, item.text);
          li.tabIndex = 0;
          // stopped here: the list is emptied by choose(), and Leaflet takes a click whose target has left
          // its control for a map click, which closes the popup just opened
          li.addEventListener("click", function (ev) { L.DomEvent.stopPropagation(ev); choose(item); });
          li.addEventListener("keydown", function (ev) { if (ev.key === "Enter") choose(item); });
          list.appendChild(li);
        });
        if (!list.firstChild) list.appendChild(el("li", "haiha-search-none", labels.noResult));
      });
    }).addTo(map);
  }

  function legend(map, defs, layers, labels, confidence) {
    var entries = defs.filter(function (d) { return d.legend && d.legend.length; });
    if (!entries.length) return;
    control("bottomright", function (div) {
      div.classList.add("haiha-legend");
      function draw() {
        div.textContent = "";
        div.appendChild(el("div", "haiha-legend-title", labels.legend));
        entries.filter(function (d) { return map.hasLayer(layers[d.id]); }).forEach(function (d) {
          div.appendChild(el("div", "haiha-legend-layer", d.name));
          d.legend.forEach(function (item) {
            var row = el("div", "haiha-legend-row" + (item.fills && item.fills.length > 1 ? " haiha-legend-many" : ""));
            (item.fills || [item.fill]).forEach(function (fill) {
              var sw = el("span", "haiha-swatch");
              sw.style.background = fill || "transparent";
              sw.style.borderColor = item.color || "#333";
              if (item.dash) sw.style.borderStyle = "dashed";
              if (item.hatch) sw.classList.add("haiha-swatch-hatched");
              if (item.symbol) sw.textContent = item.symbol;
              row.appendChild(sw);
            });
            row.appendChild(el("span", null, item.label));
            div.appendChild(row);
          });
        });
      }
      var shown = Object.keys(layers).map(function (id) { return layers[id]; });
      map.on("layeradd layerremove", function (ev) { if (shown.indexOf(ev.layer) !== -1) div.haihaRedraw(); });
      collapsible(div, draw, labels, confidence);
    }).addTo(map);
  }

  /** Before/after swipe: the left layer is clipped to the left of the handle, the right one to its right. */
  function compare(map, spec, layers, labels) {
    var left = layers[spec.left], right = layers[spec.right];
    var group = L.layerGroup([left, right]);
    var box = el("div", "haiha-compare");
    var caption = el("div", "haiha-compare-caption");
    caption.appendChild(el("span", "haiha-compare-left", "◀ " + spec.leftName));
    caption.appendChild(el("span", "haiha-compare-right", spec.rightName + " ▶"));
    var range = el("input", "haiha-compare-range");
    range.type = "range"; range.min = "0"; range.max = "1"; range.step = "0.001"; range.value = "0.5";
    range.setAttribute("aria-label", labels.compare);
    var divider = el("div", "haiha-compare-divider");
    box.appendChild(caption); box.appendChild(range);
    L.DomEvent.disableClickPropagation(box);
    ["mousedown", "touchstart", "pointerdown", "dblclick"].forEach(function (t) {
      box.addEventListener(t, function (ev) { ev.stopPropagation(); });
    });
    function clip() {
      var size = map.getSize(), nw = map.containerPointToLayerPoint([0, 0]);
      var se = map.containerPointToLayerPoint(size), x = size.x * Number(range.value);
      var cx = map.containerPointToLayerPoint([x, 0]).x;
      map.getPane(spec.leftPane).style.clip = "rect(" + [nw.y, cx, se.y, nw.x].join("px,") + "px)";
      map.getPane(spec.rightPane).style.clip = "rect(" + [nw.y, se.x, se.y, cx].join("px,") + "px)";
      divider.style.left = x + "px";
      map.haihaDivider = x;
      placeLabels(map);
    }
    group.on("add", function () {
      map.getContainer().appendChild(box); map.getContainer().appendChild(divider);
      map.on("move zoom resize", clip); range.addEventListener("input", clip); clip();
    });
    group.on("remove", function () {
      map.haihaDivider = null;
      box.remove(); divider.remove(); map.off("move zoom resize", clip);
    });
    return group;
  }

  /** Year control: show the units in force at the end of the chosen year, coloured by their status then. */
  function yearControl(map, def, layer, labels) {
    var years = def.years, geo = layer.haihaFeatures, all = geo.getLayers();
    var colors = def.colors || {}, names = def.statusLabels || {};
    control("bottomleft", function (div) {
      div.classList.add("haiha-year");
      var caption = el("div", "haiha-year-caption", "");
      var range = el("input");
      range.type = "range"; range.min = "0"; range.max = String(years.length - 1); range.step = "1";
      range.value = String(Math.max(0, years.indexOf(def.year)));
      range.setAttribute("aria-label", labels.year);
      div.appendChild(caption); div.appendChild(range);
      function apply() {
        var year = years[Number(range.value)];
        caption.textContent = def.name + " — " + labels.year + " " + year;
        div.setAttribute("data-year", year);
        all.forEach(function (f) {
          var p = f.feature.properties, entry = (p.byYear || {})[year];
          if (!entry) { geo.removeLayer(f); return; }
          if (!geo.hasLayer(f)) geo.addLayer(f);
          f.setStyle({ fillColor: colors[entry[0]] || "#cccccc" });
          p.rows = (p.baseRows || []).concat([[labels.status + " " + year, names[entry[0]] || entry[0]]]);
          var note = text(entry[1]);
          if (note) p.rows.push([labels.source, note]);
        });
      }
      range.addEventListener("input", apply);
      apply();
    }).addTo(map);
  }

  // ---- issue 12: labels that fit, collapsible controls on narrow screens --------
  /** Below this width (CSS px) the layer list and the legend start collapsed to buttons. */
  var NARROW_PX = 640;
  function narrow() { return window.innerWidth < NARROW_PX; }

  function boxesOverlap(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  /** Show every name that fits inside its unit on screen and overlaps no name already shown (largest
   *  units first); in a swipe view a name shows only when it lies wholly on its era's side. A hidden
   *  name is still given by the unit's tooltip on hover. */
  function placeLabels(map) {
    var markers = [];
    map.eachLayer(function (g) { if (g.haihaLabels) markers.push.apply(markers, g.haihaLabels); });
    markers = markers.filter(function (m) { return map.hasLayer(m) && m.getElement(); });
    markers.sort(function (a, b) { return (a.options.minZoom || 0) - (b.options.minZoom || 0); });
    var origin = map.getContainer().getBoundingClientRect(), shown = [];
    markers.forEach(function (m) {
      var r = m.getElement().firstChild.getBoundingClientRect();
      var ub = m.haihaUnit.getBounds();
      var nw = map.latLngToContainerPoint(ub.getNorthWest()), se = map.latLngToContainerPoint(ub.getSouthEast());
      var fits = r.width <= (se.x - nw.x) * 0.95 && r.height <= (se.y - nw.y) * 0.95;
      var x = map.haihaDivider, left = r.left - origin.left, right = r.right - origin.left;
      if (x !== null && x !== undefined && m.haihaPane) {
        fits = fits && (/-left$/.test(m.haihaPane) ? right < x : left > x);
      }
      var ok = fits && !shown.some(function (s) { return boxesOverlap(s, r); });
      if (ok) shown.push(r);
      m.setOpacity(ok ? 1 : 0);
      m.getElement().classList.toggle("haiha-label-hidden", !ok);
    });
  }

  function watchLabels(map) {
    if (map.haihaWatching) return;
    map.haihaWatching = true;
    map.haihaDivider = null;
    // many layers are added at once (one per name): place the names once, at the next frame
    map.on("zoomend moveend resize layeradd layerremove", function () {
      if (map.haihaLabelsPending) return;
      map.haihaLabelsPending = true;
      requestAnimationFrame(function () { map.haihaLabelsPending = false; placeLabels(map); });
    });
  }

  /** The legend's body, with a button that folds it (folded from the start on narrow screens). */
  function collapsible(div, draw, labels, confidence) {
    var body = el("div", "haiha-legend-body");
    var button = el("a", "haiha-legend-toggle", labels.legend);
    button.href = "#"; button.setAttribute("role", "button");
    function redraw() {
      draw();
      body.textContent = "";
      while (div.firstChild) body.appendChild(div.firstChild);
      if (confidence) tagLegend(body, confidence);
      div.appendChild(button); div.appendChild(body);
    }
    function fold(closed) {
      div.classList.toggle("haiha-collapsed", closed);
      button.setAttribute("aria-expanded", String(!closed));
    }
    L.DomEvent.on(button, "click", function (ev) { L.DomEvent.preventDefault(ev); fold(!div.classList.contains("haiha-collapsed")); });
    div.haihaRedraw = redraw;
    redraw();
    fold(narrow());
  }

  /** Let a popup pan itself clear of the control corners (the layer list would cover its close button). */
  function popupClear(map, popup) {
    if (!popup) return;
    var c = map._controlCorners, gap = 10, title = document.querySelector(".haiha-title");
    var top = title ? title.getBoundingClientRect().bottom - map.getContainer().getBoundingClientRect().top : 0;
    popup.options.autoPanPaddingTopLeft = L.point(c.topleft.offsetWidth + gap, Math.max(top, 0) + gap);
    popup.options.autoPanPaddingBottomRight = L.point(c.topright.offsetWidth + gap, c.bottomright.offsetHeight + gap);
  }

  /** The short legend of the confidence marks shown after figures and dates. */
  function tagLegend(body, confidence) {
    var box = el("div", "haiha-tags");
    box.appendChild(el("div", "haiha-legend-layer", confidence.title));
    Object.keys(confidence.tags).forEach(function (tag) {
      box.appendChild(el("div", "haiha-tag-row", "[" + tag + "] " + confidence.tags[tag]));
    });
    body.appendChild(box);
  }

  /** Leaflet's own words in the page's language: the zoom buttons and the attribution prefix (no flag). */
  function speakVietnamese(map, labels) {
    if (map.zoomControl) {
      var position = map.zoomControl.getPosition();
      map.removeControl(map.zoomControl);
      map.zoomControl = L.control.zoom({ position: position, zoomInTitle: labels.zoomIn, zoomOutTitle: labels.zoomOut }).addTo(map);
    }
    if (map.attributionControl) {
      map.attributionControl.setPrefix('<a href="https://leafletjs.com" title="' + escapeHtml(labels.leaflet) + '">Leaflet</a>');
    }
  }

  /** On paper the map is refitted to its printed frame; on a phone's page the legend goes under the map
   *  and the footer under the legend (their heights, measured in print, are CSS variables). */
  function printLayout(map, bounds) {
    var media = global.matchMedia ? global.matchMedia("print") : null, root = document.documentElement;
    function apply() {
      var printing = media && media.matches;
      if (printing && narrow()) {
        var foot = document.querySelector(".haiha-footer"), leg = document.querySelector(".haiha-legend");
        root.style.setProperty("--haiha-footer-h", (foot ? foot.offsetHeight : 0) + "px");
        root.style.setProperty("--haiha-legend-h", (leg ? leg.offsetHeight : 0) + "px");
      }
      map.invalidateSize({ animate: false });
      if (bounds) map.fitBounds([[bounds[1], bounds[0]], [bounds[3], bounds[2]]], { animate: false });
    }
    if (media && media.addEventListener) media.addEventListener("change", apply);
    global.addEventListener("beforeprint", apply);
    global.addEventListener("afterprint", apply);
  }

  /** The layer list's button says what it opens, in the page's language. */
  function nameLayersButton(control, labels) {
    var toggle = control.getContainer().querySelector(".leaflet-control-layers-toggle");
    if (toggle) { toggle.title = labels.layers; toggle.setAttribute("aria-label", labels.layers); }
  }

  // ---- the map ---------------------------------------------------------------
  function init(map, dataId) {
    var node = document.getElementById(dataId);
    var data = JSON.parse(node.textContent);
    PLANNING = data.projection;
    var labels = data.labels;
    strings = data.strings || [];
    var arcs = data.topology ? decodeArcs(data.topology) : [];
    var layers = {}, overlays = {};
    // the final view first, so every layer is drawn once
    if (data.bounds) map.fitBounds([[data.bounds[1], data.bounds[0]], [data.bounds[3], data.bounds[2]]], { animate: false });
    speakVietnamese(map, labels);
    if (data.tiles) {  // a basemap that fails to load leaves the data layers drawn
      L.tileLayer(data.tiles.url, { attribution: escapeHtml(data.tiles.attribution || ""), maxZoom: 19 }).addTo(map);
    }
    (data.panes || []).forEach(function (p) {
      var pane = map.createPane(p.name);
      pane.style.zIndex = String(p.zIndex);
    });
    data.layers.forEach(function (def) {
      var features = (def.objects || []).reduce(function (all, name) {
        return all.concat(topoFeatures(data.topology, arcs, name));
      }, []).concat(def.features || []);
      var layer = def.topology ? parcelLayer(map, def) : buildLayer(map, def, features);
      layers[def.id] = layer;
      if (def.years) yearControl(map, def, layer, labels);
      if (def.control !== false) overlays[escapeHtml(def.name)] = layer;
      if (def.show) layer.addTo(map);
    });
    global.haihaMap = { map: map, layers: layers, index: [], data: data, ready: false };
    performance.mark("haiha-layers");  // every layer built and the shown ones drawn
    // the polygons are painted first; the controls are built once that paint is on screen
    afterFirstPaint(function () { controls(map, data, layers, overlays, labels); });
    return global.haihaMap;
  }

  /** Run fn once the browser reports the page's first contentful paint (at the latest after a second).
   *  Built in the next frame instead, the controls held back the frame that shows the polygons: Chromium
   *  reported that paint only after them (traced: about 40 ms later on the district map). */
  function afterFirstPaint(fn) {
    var done = false;
    function once() { if (!done) { done = true; fn(); } }
    if (global.PerformanceObserver && (PerformanceObserver.supportedEntryTypes || []).indexOf("paint") !== -1) {
      new PerformanceObserver(function (list, observer) {
        if (list.getEntriesByName("first-contentful-paint").length) { observer.disconnect(); once(); }
      }).observe({ type: "paint", buffered: true });
      setTimeout(once, 1000);  // a hidden tab does not paint
    } else {
      requestAnimationFrame(function () { requestAnimationFrame(once); });
    }
  }

  function controls(map, data, layers, overlays, labels) {
    performance.mark("haiha-controls");  // when the controls began, after the layers' first paint
    var index = global.haihaMap.index = searchIndex(data.layers, layers);
    (data.compare || []).forEach(function (spec) {
      var group = compare(map, spec, layers, labels);
      overlays[escapeHtml(spec.name)] = group;
      if (spec.show) group.addTo(map);
    });
    nameLayersButton(L.control.layers(null, overlays, { collapsed: narrow(), position: "topright" }).addTo(map), labels);
    var c = data.controls || {};
    if (c.scale) L.control.scale({ imperial: false }).addTo(map);
    if (c.search) {
      search(map, index, data.layers.filter(function (d) { return d.topology && d.searchable; })
        .map(function (d) { return layers[d.id]; }), labels);
    }
    if (c.fullscreen) fullscreen(map, labels);
    if (c.measure) measure(map, labels);
    if (c.mouse_position) mousePosition(map, labels);
    if (c.legend) legend(map, data.layers, layers, labels, data.confidence);
    printLayout(map, data.bounds);
    placeLabels(map);
    document.body.classList.add("haiha-ready");  // title and footer are shown once the polygons are painted
    global.haihaMap.ready = true;
  }

  global.HaihaMap = { init: init, toVN2000: toVN2000, normalise: normalise, escapeHtml: escapeHtml, decodeArcs: decodeArcs };
})(window);

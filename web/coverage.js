// Coverage view: a domains x countries heatmap from /api/v1/coverage and an SVG map of Europe
// (country shapes from /web/europe.geo.json, Natural Earth via world-atlas) with every centre.
"use strict";
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
const NS = "http://www.w3.org/2000/svg";

async function getJSON(url) { const r = await fetch(url); if (!r.ok) throw new Error(`${url}: ${r.status}`); return r.json(); }

function heatmap(cov) {
  const names = new Intl.DisplayNames(["en"], {type: "region"});
  const cell = new Map(cov.cells.map((c) => [c.domain + "|" + c.country, c]));
  const head = `<caption>Member centres of ${esc(cov.network)} by domain (rows) and country (columns)</caption><thead><tr><th scope="col">Domain</th>` +
    cov.countries.map((k) => `<th scope="col"><abbr title="${esc(names.of(k))}">${esc(k)}</abbr></th>`).join("") + "</tr></thead>";
  const body = cov.domains.map((d) => `<tr><th scope="row">${esc(d.id)} ${esc(d.label)}</th>` + cov.countries.map((k) => {
    const c = cell.get(d.id + "|" + k), n = c.memberCentres;
    return `<td class="c${Math.min(n, 4)}" title="${esc(d.label)} in ${esc(names.of(k))}: ${n} member centre(s)">${n || "gap"}</td>`;
  }).join("") + "</tr>").join("");
  $("heatmap").innerHTML = head + "<tbody>" + body + "</tbody>";
}

function excluded(cov) {
  $("excluded").innerHTML = (cov.excludedEntities || []).map((x) =>
    `<li>${esc(x.category)}: ${esc(x.entities)} entities</li>`).join("") || "<li>none</li>";
}

function projector(bbox) {
  const [w, s, e, n] = bbox, k = Math.cos(52 * Math.PI / 180);
  const scale = 760 / (n - s);
  $("map").setAttribute("viewBox", `0 0 ${Math.round((e - w) * k * scale)} 760`);
  return ([lon, lat]) => [((lon - w) * k * scale).toFixed(1), ((n - lat) * scale).toFixed(1)];
}

function drawMap(geo, centres, memberCountries) {
  const svg = $("map"), project = projector(geo.bbox);
  for (const f of geo.features) {
    const d = f.geometry.coordinates.map((poly) => poly.map((ring) => "M" + ring.map(project).join("L") + "Z").join("")).join("");
    const path = document.createElementNS(NS, "path");
    path.setAttribute("d", d);
    if (memberCountries.has(f.id)) path.setAttribute("class", "member");
    const t = document.createElementNS(NS, "title"); t.textContent = f.properties.name; path.appendChild(t);
    svg.appendChild(path);
  }
  for (const c of centres.filter((c) => c.lat != null).sort((a, b) => a.memberships.length - b.memberships.length)) {
    const [x, y] = project([c.lon, c.lat]);
    const a = document.createElementNS(NS, "a");
    a.setAttribute("href", `/centre/${c.id}`);
    a.setAttribute("aria-label", `${c.label}, ${c.city}${c.memberships.length ? ", network member" : ""}`);
    const dot = document.createElementNS(NS, "circle");
    dot.setAttribute("cx", x); dot.setAttribute("cy", y); dot.setAttribute("r", c.memberships.length ? 6 : 4);
    if (c.memberships.length) dot.setAttribute("class", "member");
    const t = document.createElementNS(NS, "title"); t.textContent = `${c.label} (${c.city}, ${c.country})`; dot.appendChild(t);
    a.appendChild(dot); svg.appendChild(a);
  }
  $("attribution").textContent = geo.attribution;
}

async function allCentres() {
  const out = []; let url = "/api/v1/centres?limit=100";
  while (url) { const p = await getJSON(url); out.push(...p.items); url = p.page.next; }
  return out;
}

(async () => {
  try {
    const [cov, geo, centres] = await Promise.all([getJSON("/api/v1/coverage"), getJSON("/web/europe.geo.json"), allCentres()]);
    heatmap(cov);
    excluded(cov);
    const m = cov.membersOnRecord;
    $("members-on-record").textContent = `EURACAN ${m.statement}. No public source lists every member, so a gap ` +
      "below may be a gap in our list, not in the network.";
    drawMap(geo, centres, new Set(cov.countries));
    $("status").textContent = `${cov.countries.length} countries with member centres, ${cov.gaps.length} domain gaps, ` +
      `${centres.length} centres on the map.`;
  } catch (e) { $("status").textContent = "Could not load: " + e.message; }
})();

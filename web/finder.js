// The referral finder: autocomplete over /api/v1/entities, then /api/v1/entities/{id}/centres.
"use strict";
const $ = (id) => document.getElementById(id);
const esc = (s) => String(s ?? "").replace(/[&<>"']/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}[c]));
const input = $("entity"), list = $("suggestions");
let picked = null, active = -1, timer = null, places = [];

async function getJSON(url) {
  const r = await fetch(url, {headers: {Accept: "application/json"}});
  const body = await r.json();
  if (!r.ok) throw new Error(body.detail || r.statusText);
  return body;
}

function closeList() { list.hidden = true; input.setAttribute("aria-expanded", "false"); active = -1; input.removeAttribute("aria-activedescendant"); }

function showSuggestions(items) {
  list.innerHTML = items.map((e, i) => `<li id="opt-${i}" role="option" aria-selected="false" data-id="${esc(e.id)}" data-label="${esc(e.label)}">` +
    `${esc(e.label)} <small>${esc(e.id)}${e.matched && e.matched.text !== e.label ? " · " + esc(e.matched.text) : ""}</small></li>`).join("");
  list.hidden = items.length === 0;
  input.setAttribute("aria-expanded", String(items.length > 0));
}

function highlight(i) {
  const opts = list.querySelectorAll("li");
  opts.forEach((o, n) => o.setAttribute("aria-selected", String(n === i)));
  active = i;
  if (opts[i]) { input.setAttribute("aria-activedescendant", opts[i].id); opts[i].scrollIntoView({block: "nearest"}); }
}

function pick(li) {
  picked = {id: li.dataset.id, label: li.dataset.label};
  input.value = li.dataset.label;
  closeList();
  find();
}

input.addEventListener("input", () => {
  picked = null;
  clearTimeout(timer);
  const q = input.value.trim();
  if (q.length < 2) { closeList(); return; }
  timer = setTimeout(async () => {
    try { showSuggestions((await getJSON(`/api/v1/entities?limit=8&q=${encodeURIComponent(q)}`)).items); }
    catch (e) { $("status").textContent = e.message; }
  }, 120);
});
input.addEventListener("keydown", (ev) => {
  const n = list.querySelectorAll("li").length;
  if (ev.key === "ArrowDown" && n) { ev.preventDefault(); list.hidden = false; highlight((active + 1) % n); }
  else if (ev.key === "ArrowUp" && n) { ev.preventDefault(); highlight((active - 1 + n) % n); }
  else if (ev.key === "Enter" && !list.hidden && active >= 0) { ev.preventDefault(); pick(list.querySelectorAll("li")[active]); }
  else if (ev.key === "Escape") closeList();
});
list.addEventListener("mousedown", (ev) => { const li = ev.target.closest("li"); if (li) { ev.preventDefault(); pick(li); } });
input.addEventListener("blur", () => setTimeout(closeList, 150));

$("city").addEventListener("input", async () => {
  const q = $("city").value.trim();
  if (q.length < 2) return;
  const country = $("country").value;
  try {
    places = (await getJSON(`/api/v1/places?q=${encodeURIComponent(q)}${country ? "&country=" + country : ""}`)).items;
    $("cities").innerHTML = places.map((p) => `<option value="${esc(p.name)}">${esc(p.name)}, ${esc(p.country)}</option>`).join("");
  } catch (e) { places = []; }
});

$("finder").addEventListener("submit", (ev) => { ev.preventDefault(); find(); });

async function find() {
  const id = picked ? picked.id : input.value.trim();
  if (!id) { $("status").textContent = "Type a cancer subtype first."; input.focus(); return; }
  const params = new URLSearchParams({limit: "20"});
  if ($("country").value) params.set("country", $("country").value);
  const city = places.find((p) => p.name.toLowerCase() === $("city").value.trim().toLowerCase());
  if (city) { params.set("lat", city.lat); params.set("lon", city.lon); if ($("max-km").value) params.set("max_km", $("max-km").value); }
  $("status").textContent = "Searching…";
  try {
    const r = await getJSON(`/api/v1/entities/${encodeURIComponent(id)}/centres?${params}`);
    render(r);
  } catch (e) { $("status").textContent = "No answer: " + e.message; $("results").innerHTML = ""; $("notes").innerHTML = ""; $("fallback").hidden = true; }
}

function fallbackText(r) {
  const names = r.fallback.ancestors.map((a) => `${a.label} (${a.id})`).join(", ");
  return `No centre has evidence for ${r.entity.label} itself or its subtypes: answering from its nearest ancestor ` +
    `${names}, ${r.fallback.distance} level(s) up.`;
}

function abroadText(r) {
  const names = new Intl.DisplayNames(["en"], {type: "region"});
  const near = r.abroad.nearest.map((n) => `${n.centre.label} (${n.distanceKm} km)`).join("; ");
  return `No centre in ${names.of(r.abroad.country)} is on record for ${r.entity.label}: showing the network's centres abroad` +
    (r.abroad.from ? `, with distances from ${r.abroad.from}` : "") + (near ? `. Nearest: ${near}.` : ".");
}

function membershipText(c) {
  const m = c.membership;
  if (!m) return c.note ? ` · <span class="note">${esc(c.note)}</span>` : "";
  const what = {"covers-domain": `network member for ${esc(m.domains.join(", "))}`,
    "no-domain-recorded": "network member, no domain recorded (a weaker signal for every domain)",
    "other-domains": `network member for ${esc(m.domains.join(", "))} only`,
    "ended": `former network member (until ${esc(m.until)})`}[m.relation] || "network member";
  return ` · <span class="membership">${what}${m.status !== "confirmed" ? ` (${esc(m.status)})` : ""}</span>`;
}

function evidenceLine(e) {
  const about = e.about ? " about " + esc(e.about.label) : "";
  const rel = e.relation && !["self", "domain"].includes(e.relation) ? ` [${esc(e.relation)}${e.distance ? ", " + e.distance + " level(s)" : ""}]` : "";
  const flags = (e.openTrial ? " · open" : "") + (e.closedSite ? " · site closed" : "");
  return `<li>${esc(e.kind)}${about}${rel}${e.date ? " (" + esc(e.date) + ")" : ""}${flags}` +
    `${e.source ? ` · <a href="${esc(e.source)}" rel="noopener">source</a>` : ""}</li>`;
}

function render(r) {
  const fb = $("fallback");
  fb.hidden = !r.fallback && !r.abroad;
  fb.textContent = [r.fallback ? fallbackText(r) : "", r.abroad ? abroadText(r) : ""].filter(Boolean).join(" ");
  $("status").textContent = r.page.total ? `${r.page.total} centre(s) for ${r.entity.label} (${r.entity.id}).` :
    `No centre on record for ${r.entity.label} (${r.entity.id}).`;
  $("notes").innerHTML = r.notes.map((n) => `<li>${esc(n)}</li>`).join("");
  $("results").innerHTML = r.items.map((c) => `<li class="centre">
    <h2><span class="rank">${c.rank}.</span> <a href="/centre/${esc(c.centre.id)}">${esc(c.centre.label)}</a></h2>
    <p>${esc(c.centre.city)}, ${esc(c.centre.country)}${c.distanceKm != null ? ` · <span class="distance">${c.distanceKm} km</span>` : ""}${membershipText(c)}</p>
    <p><span class="score">Score ${c.score}</span> <span class="components">(${Object.entries(c.components).filter(([, v]) => v).map(([k, v]) => `${esc(k)} ${v}`).join(", ")})</span></p>
    <details><summary>Why: ${c.evidenceTotal > c.evidence.length ? `the ${c.evidence.length} most telling of ${c.evidenceTotal}` : c.evidence.length} piece(s) of evidence</summary><ul>${c.evidence.map(evidenceLine).join("")}</ul></details>
    <p>Open trials as of ${esc(r.openAsOf)}: ${c.openTrials.length ? c.openTrials.map((t) => `<a href="/trial/${esc(t.id)}">${esc(t.id)}</a> ${esc(t.label)} (${esc(t.status)}, verified ${esc(t.statusVerified || "never")})`).join("; ") : "none recorded"}</p>
  </li>`).join("");
}

(async () => {
  try {
    // every European country, members on record or not: a patient in Poland must be able to say so
    const cov = await getJSON("/api/v1/coverage");
    const names = new Intl.DisplayNames(["en"], {type: "region"});
    const withMembers = new Set(cov.countries);
    const all = cov.patientCountries.map((c) => [c, names.of(c)]).sort((a, b) => a[1].localeCompare(b[1]));
    $("country").innerHTML += all.map(([c, n]) => `<option value="${c}">${esc(n)}${withMembers.has(c) ? "" : " (no member on record)"}</option>`).join("");
  } catch (e) { /* the country list is optional */ }
})();

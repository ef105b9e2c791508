// The rarekg query page: examples, prefixes, running a query and showing the answer as a table.
// Plain JavaScript, no dependencies: everything is served by the app (works offline).
"use strict";

const BASE = "https://w3id.org/rarekg/";
const $ = (id) => document.getElementById(id);

function link(iri) {
  const a = document.createElement("a");
  a.href = iri.startsWith(BASE) ? "/" + iri.slice(BASE.length) : iri;
  a.textContent = iri;
  a.title = iri;
  return a;
}

function cell(term) {
  const td = document.createElement("td");
  if (!term) return td;
  if (term.type === "uri") td.appendChild(link(term.value));
  else if (term.type === "bnode") td.textContent = "_:" + term.value;
  else {
    td.textContent = term.value;
    const note = term["xml:lang"] ? "@" + term["xml:lang"] : (term.datatype ? term.datatype.split(/[#/]/).pop() : "");
    if (note) { const s = document.createElement("small"); s.textContent = " " + note; td.appendChild(s); }
  }
  return td;
}

function showTable(data) {
  const table = document.createElement("table");
  table.className = "results";
  const head = table.createTHead().insertRow();
  const vars = data.head.vars || [];
  for (const v of vars) { const th = document.createElement("th"); th.textContent = v; head.appendChild(th); }
  const body = table.createTBody();
  for (const b of data.results.bindings) {
    const tr = body.insertRow();
    for (const v of vars) tr.appendChild(cell(b[v]));
  }
  return table;
}

function setStatus(text, isError) {
  $("status").textContent = text;
  $("status").className = isError ? "error" : "";
}

async function run() {
  const results = $("results");
  results.replaceChildren();
  setStatus("running…", false);
  const started = performance.now();
  let response;
  try {
    response = await fetch("/sparql", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded",
                 "Accept": "application/sparql-results+json, text/turtle;q=0.9" },
      body: new URLSearchParams({ query: $("query").value }),
    });
  } catch (err) { setStatus("request failed: " + err, true); return; }
  const ms = Math.round(performance.now() - started);
  const type = response.headers.get("Content-Type") || "";
  if (!response.ok) {
    const problem = type.includes("json") ? await response.json() : { title: response.statusText, detail: await response.text() };
    setStatus(`${response.status} ${problem.title}: ${problem.detail}`, true);
    return;
  }
  const rows = response.headers.get("X-Rarekg-Rows");
  const truncated = response.headers.get("X-Rarekg-Truncated") === "true";
  if (type.startsWith("application/sparql-results+json")) {
    const data = await response.json();
    if ("boolean" in data) {
      const p = document.createElement("p"); p.id = "boolean"; p.textContent = String(data.boolean);
      results.appendChild(p);
      setStatus(`ASK answered in ${ms} ms`, false);
      return;
    }
    results.appendChild(showTable(data));
  } else {
    const pre = document.createElement("pre"); pre.className = "graph"; pre.textContent = await response.text();
    results.appendChild(pre);
  }
  setStatus(`${rows} ${type.includes("turtle") ? "triples" : "rows"} in ${ms} ms` +
            (truncated ? " — truncated: the answer hit the server's row limit" : ""), false);
}

function download() {
  const params = new URLSearchParams({ query: $("query").value, format: $("download-format").value });
  const a = document.createElement("a");
  a.href = "/sparql?" + params.toString();
  a.download = "rarekg-result." + $("download-format").value;
  document.body.appendChild(a);
  a.click();
  a.remove();
}

async function loadExamples() {
  const examples = await (await fetch("/sparql/examples?format=json")).json();
  const select = $("examples");
  for (const ex of examples) {
    const option = document.createElement("option");
    option.value = ex.name;
    option.textContent = ex.title;
    select.appendChild(option);
  }
  select.addEventListener("change", () => {
    const ex = examples.find((e) => e.name === select.value);
    if (!ex) return;
    $("query").value = ex.query;
    const params = ex.params.map((p) => `?${p.name} (${p.type}): ${p.description}`).join("; ");
    $("example-description").textContent = ex.description + (params ? " Parameters: " + params +
      (ex.examples.length ? " — e.g. " + ex.examples.join(", ") : "") : "");
  });
}

async function loadPrefixes() {
  const context = (await (await fetch("/context.jsonld")).json())["@context"];
  const span = $("prefixes");
  for (const [prefix, iri] of Object.entries(context)) {
    const code = document.createElement("code"); code.textContent = prefix + ":"; code.title = iri;
    span.appendChild(code);
  }
}

$("run").addEventListener("click", run);
$("download").addEventListener("click", download);
$("query").addEventListener("keydown", (e) => { if (e.ctrlKey && e.key === "Enter") run(); });
loadExamples();
loadPrefixes();

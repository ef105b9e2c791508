// Generates web/europe.geo.json: the countries of Europe (and neighbours that frame the map) from
// the npm package world-atlas (Natural Earth 1:50m, public domain) via topojson-client.
// Run from a folder where both packages are installed:
//   npm install world-atlas@2.0.2 topojson-client@3.1.0 && node web/tools/europe-map.mjs > web/europe.geo.json
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { feature } from "topojson-client";

const require = createRequire(process.cwd() + "/");
const topo = JSON.parse(readFileSync(require.resolve("world-atlas/countries-50m.json"), "utf8"));
// ISO 3166-1 numeric -> alpha-2 for the countries drawn (EU/EEA, UK, CH, Balkans, neighbours).
const ISO = {"008":"AL","020":"AD","040":"AT","056":"BE","070":"BA","100":"BG","112":"BY","191":"HR","196":"CY",
  "203":"CZ","208":"DK","233":"EE","246":"FI","250":"FR","276":"DE","300":"GR","348":"HU","352":"IS","372":"IE",
  "380":"IT","428":"LV","438":"LI","440":"LT","442":"LU","470":"MT","492":"MC","498":"MD","499":"ME","528":"NL",
  "807":"MK","578":"NO","616":"PL","620":"PT","642":"RO","643":"RU","674":"SM","688":"RS","703":"SK","705":"SI",
  "724":"ES","752":"SE","756":"CH","792":"TR","804":"UA","826":"GB","-99":"XK","383":"XK","012":"DZ","504":"MA",
  "788":"TN","268":"GE","051":"AM","031":"AZ","376":"IL","422":"LB","760":"SY","818":"EG","434":"LY","368":"IQ","364":"IR"};
const [W, E, S, N] = [-25, 45, 34, 72];  // the map's window (degrees)
const round = (x) => Math.round(x * 100) / 100;
// Longitudes below -100 belong to rings that cross the antimeridian (Russia's Chukotka): unwrap
// them east before clamping, or they are clamped to the west edge and draw a band across the map.
const unwrap = (x) => (x < -100 ? x + 360 : x);
const clip = (ring) => ring.map(([x, y]) => [round(Math.max(W, Math.min(E, unwrap(x)))), round(Math.max(S, Math.min(N, y)))]);
const keep = (ring) => ring.some(([x, y]) => x >= W && x <= E && y >= S && y <= N);
const thin = (ring) => ring.filter((p, i) => i === 0 || i === ring.length - 1 || i % 2 === 0);
const out = [];
for (const f of feature(topo, topo.objects.countries).features) {
  const code = ISO[f.id] ?? (f.properties.name === "Kosovo" ? "XK" : undefined);
  if (!code) continue;
  const polys = f.geometry.type === "Polygon" ? [f.geometry.coordinates] : f.geometry.coordinates;
  const kept = polys.filter((p) => keep(p[0])).map((p) => p.map((r) => clip(thin(r))));
  if (kept.length) out.push({type: "Feature", id: code, properties: {name: f.properties.name},
                             geometry: {type: "MultiPolygon", coordinates: kept}});
}
out.sort((a, b) => a.id.localeCompare(b.id));
process.stdout.write(JSON.stringify({type: "FeatureCollection",
  attribution: "Made with Natural Earth (public domain), via the npm package world-atlas 2.0.2 (countries-50m), " +
               "clipped to Europe and rounded to 0.01 degree by web/tools/europe-map.mjs",
  bbox: [W, S, E, N], features: out}) + "\n");

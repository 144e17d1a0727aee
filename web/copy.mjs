// Copy the browser builds of the front-end packages (installed by `npm ci` here) into the
// service's static folder, with their licences. Run by `make assets`; needs only Node.
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, "..", "src", "ibigraph", "api", "static", "vendor");
const files = {
  // the yasgui package ships no licence file: MIT, by its package.json
  "@zazuko/yasgui": ["build/yasgui.min.js", "build/yasgui.min.css", "package.json"],
  cytoscape: ["dist/cytoscape.min.js", "LICENSE"],
  "chart.js": ["dist/chart.umd.min.js", "LICENSE.md"],
  "swagger-ui-dist": ["swagger-ui-bundle.js", "swagger-ui.css", "LICENSE"],
  // Natural Earth's country borders (public domain) as TopoJSON, for the map page
  "world-atlas": ["countries-110m.json", "LICENSE"],
};

rmSync(target, { recursive: true, force: true });
for (const [pkg, paths] of Object.entries(files)) {
  const name = pkg.split("/").pop();
  mkdirSync(join(target, name), { recursive: true });
  for (const path of paths) {
    cpSync(join(here, "node_modules", pkg, path), join(target, name, path.split("/").pop()));
  }
}
writeFileSync(join(target, ".built"), "copied by web/copy.mjs\n");
console.log(`copied ${Object.keys(files).length} packages into ${target}`);

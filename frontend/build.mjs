// Builds the panel and the card into the integration's package, deterministically:
// the same sources and lock file give the same bytes (CI rebuilds and compares).
//   node build.mjs           build
//   node build.mjs --check   build into a temporary folder and compare with the committed files
import { build } from "esbuild";
import { mkdtempSync, readFileSync, rmSync, existsSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const target = join(here, "..", "custom_components", "integration_reliability", "frontend");
const ENTRIES = {
  "integration-reliability-panel": join(here, "src", "panel.ts"),
  "integration-reliability-card": join(here, "src", "card.ts"),
};
// Everything the panel and the card load, gzipped (the budget: 250 KB).
const BUDGET_GZIP_BYTES = 250 * 1024;

async function bundle(outdir) {
  await build({
    entryPoints: ENTRIES,
    outdir,
    bundle: true,
    format: "esm",
    target: "es2021",
    minify: true,
    legalComments: "none",
    sourcemap: false,
    charset: "utf8",
    logLevel: "warning",
    absWorkingDir: here,
    banner: { js: "// Integration Reliability: built from frontend/ (npm run build). Do not edit." },
  });
}

const check = process.argv.includes("--check");
const outdir = check ? mkdtempSync(join(tmpdir(), "ir-frontend-")) : target;
await bundle(outdir);
let failed = false;
let total = 0;
for (const name of Object.keys(ENTRIES)) {
  const file = `${name}.js`;
  const built = readFileSync(join(outdir, file));
  const gz = gzipSync(built, { level: 9 }).length;
  total += gz;
  console.log(`${file}: ${built.length} bytes, ${gz} bytes gzipped`);
  if (check) {
    const committed = join(target, file);
    if (!existsSync(committed) || !readFileSync(committed).equals(built)) {
      console.error(`${file}: the committed bundle differs from a build of the sources (run: npm run build)`);
      failed = true;
    }
  }
}
console.log(`panel loads ${total} bytes gzipped (budget ${BUDGET_GZIP_BYTES})`);
if (total > BUDGET_GZIP_BYTES) {
  console.error("over the size budget");
  failed = true;
}
if (check) rmSync(outdir, { recursive: true, force: true });
process.exit(failed ? 1 : 0);

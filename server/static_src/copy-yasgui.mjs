// Copies the YASGUI browser build from node_modules into server/static/yasgui/, with its licence.
// Run with `npm ci && npm run build` in server/static_src/; the copied files are committed, so the
// server needs no npm at run time.
import { copyFileSync, mkdirSync, readFileSync, writeFileSync, existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const MIT_TEXT = `Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
`;

const here = dirname(fileURLToPath(import.meta.url));
const pkgDir = join(here, "node_modules", "@zazuko", "yasgui");
const out = join(here, "..", "static", "yasgui");
mkdirSync(out, { recursive: true });

for (const name of ["yasgui.min.js", "yasgui.min.css"]) {
  let text = readFileSync(join(pkgDir, "build", name), "utf8");
  // The source maps are not shipped: drop the reference so browsers do not ask for them.
  text = text.replace(/\n?\/[/*]# sourceMappingURL=\S+( \*\/)?\s*$/, "\n");
  writeFileSync(join(out, name), text);
}

const pkg = JSON.parse(readFileSync(join(pkgDir, "package.json"), "utf8"));
const licenceFile = ["LICENSE", "LICENSE.md", "LICENSE.txt"].map((n) => join(pkgDir, n)).find(existsSync);
if (licenceFile) {
  copyFileSync(licenceFile, join(out, "LICENSE"));
} else {
  // The npm package declares its licence only in package.json; write the MIT text it names.
  const holders = [pkg.author, ...(pkg.contributors || []).map((c) => c.name || c)].join(", ");
  writeFileSync(
    join(out, "LICENSE"),
    `${pkg.name} ${pkg.version} (${pkg.homepage}) is licensed under the ${pkg.license} licence, ` +
      `as declared in its package.json.\n\nMIT License\n\nCopyright (c) ${holders}\n\n` +
      MIT_TEXT,
  );
}
writeFileSync(
  join(out, "VERSION"),
  `${pkg.name}@${pkg.version}\n`,
);
console.log(`copied ${pkg.name}@${pkg.version} to ${out}`);

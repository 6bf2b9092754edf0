// A supporter on the page of `affiche serve`, in Debian's Chromium driven by playwright-core:
// picks a photo, types a name, picks a constituency, waits for the preview, downloads the
// story, then types a name too long to fit. Prints what it saw as one JSON line; the Rust
// test (tests/it/supporters_page.rs) judges it.
//
// node supporters.mjs URL PHOTO DOWNLOAD_DIR
import { chromium } from "playwright-core";
import path from "node:path";

const [url, photo, downloads] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  // Without the background-networking flags Chromium keeps calling out of a closed network.
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync"],
});
const seen = { console: [] };
try {
  const context = await browser.newContext({ acceptDownloads: true });
  const page = await context.newPage();
  page.on("console", (m) => { if (m.type() === "error" || m.type() === "warning") seen.console.push(m.text()); });
  page.on("pageerror", (e) => seen.console.push("pageerror: " + e.message));
  await page.goto(url);
  await page.waitForSelector("body[data-ready='1']", { timeout: 15000 });
  seen.labels = await page.$$eval("label > span", (spans) => spans.map((s) => s.textContent));
  seen.options = await page.$$eval("#field-constituency option", (os) => os.length);

  await page.setInputFiles("#field-photo", photo);
  await page.fill("#field-name", "Léa ROY");
  await page.selectOption("#field-constituency", "Paris (1re circonscription)");
  await page.waitForFunction(() => {
    const img = document.getElementById("preview");
    return !img.hidden && img.complete && img.naturalWidth > 0;
  }, null, { timeout: 60000 });
  seen.preview = await page.$eval("#preview", (img) => [img.naturalWidth, img.naturalHeight]);
  seen.status = await page.textContent("#status");

  const [download] = await Promise.all([
    page.waitForEvent("download", { timeout: 60000 }),
    page.click("button[data-preset='instagram-story']"),
  ]);
  seen.download = download.suggestedFilename();
  seen.saved = path.join(downloads, seen.download);
  await download.saveAs(seen.saved);

  await page.fill("#field-name", "Marie-".repeat(40));
  await page.waitForFunction(() => document.getElementById("message").textContent !== "", null, { timeout: 60000 });
  seen.message = await page.textContent("#message");
  seen.invalid = await page.getAttribute("#field-name", "aria-invalid");
} finally {
  await browser.close();
}
console.log(JSON.stringify(seen));

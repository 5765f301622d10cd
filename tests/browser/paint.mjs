// How long a dashboard takes to be fully drawn in headless Chromium: from the navigation's
// start to the moment every panel shows its data (charts finished, images decoded, no
// placeholder left). Used by `benches/paint.rs`, which starts the server.
// Usage: node tests/browser/paint.mjs <base-url> <email> <password> <warm runs> <dashboard>...
// Prints one JSON object: {<dashboard>: {cold: ms, warm: [ms, …]}}. The first load of each
// dashboard is cold (the server's caches empty); the others are warm.
import { createRequire } from "node:module";

const require = createRequire(new URL("../../web/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const [baseUrl, email, password, warmRuns, ...dashboards] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking"],
});
const result = {};
try {
  const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
  page.setDefaultTimeout(300_000);
  await page.goto(`${baseUrl}/`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByTestId("signin-submit").click();
  await page.getByTestId("dashboard-link").first().waitFor();

  const drawn = async (id) => {
    await page.goto("about:blank");
    await page.goto(`${baseUrl}/#/d/${id}`, { waitUntil: "commit" });
    await page.waitForFunction(
      () => {
        const panels = [...document.querySelectorAll("[data-panel-id]")];
        return (
          panels.length > 0 &&
          panels.every(
            (panel) =>
              !panel.querySelector('[aria-busy="true"]') &&
              [...panel.querySelectorAll('[data-testid="chart"]')].every((c) => c.dataset.rendered === "true") &&
              [...panel.querySelectorAll("img")].every((i) => i.complete && i.naturalWidth > 0),
          )
        );
      },
      null,
      { polling: "raf" },
    );
    return page.evaluate(() => Math.round(performance.now()));
  };
  for (const id of dashboards) {
    const cold = await drawn(id);
    const warm = [];
    for (let i = 0; i < Number(warmRuns); i++) warm.push(await drawn(id));
    result[id] = { cold, warm };
  }
} finally {
  await browser.close();
}
console.log(JSON.stringify(result));

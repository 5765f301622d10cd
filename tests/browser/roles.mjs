// Signs in to the UI as one person and records what they can reach: the dashboards listed,
// the panels of Sales Performance, the overall KPI, whether Operations Health opens, the
// header (name, workspace switcher, admin link), the exports offered (and the entity table
// downloaded as CSV), then signs out.
// Usage: node tests/browser/roles.mjs <base-url> <user-data-dir> <email> <password>
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";

const require = createRequire(new URL("../../web/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const [baseUrl, userDataDir, email, password] = process.argv.slice(2);
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1400, height: 1000 },
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const result = {};
try {
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(`${baseUrl}/`);

  // A wrong password first: the form says so and stays.
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill("certainly not the password");
  await page.getByTestId("signin-submit").click();
  result.wrongPassword = await page.getByTestId("signin-error").innerText();

  await page.getByLabel("Password").fill(password);
  await page.getByTestId("signin-submit").click();
  const links = page.getByTestId("dashboard-link");
  await links.first().waitFor();
  result.dashboards = await links.locator("strong").allInnerTexts();
  result.userName = await page.getByTestId("user-name").innerText();
  result.workspaces = await page.getByTestId("tenant-switcher").locator("option").allInnerTexts();
  result.adminLink = await page.getByRole("link", { name: "Admin", exact: true }).count();

  await links.filter({ hasText: "Sales Performance" }).click();
  const kpi = page.locator('[data-panel-id="sales_overall_kpi"]');
  await kpi.getByTestId("kpi-value").waitFor();
  result.panels = await page.locator("[data-panel-id]").evaluateAll((nodes) => nodes.map((n) => n.getAttribute("data-panel-id")));
  result.overallKpi = await kpi.innerText();
  result.meta = await page.getByTestId("dashboard-meta").innerText();
  result.filters = (await page.getByTestId("dashboard-filters").count()) > 0 ? await page.getByTestId("dashboard-filters").innerText() : "";

  // The exports this person's dashboard allows, and the table's CSV as the browser saves it.
  const table = page.locator('[data-panel-id="sales_entity_table"]');
  await table.getByTestId("table-row").first().waitFor();
  await table.locator(".panel-menu summary").click();
  result.exportFormats = await table.locator(".panel-menu a").allInnerTexts();
  const [download] = await Promise.all([page.waitForEvent("download"), table.getByTestId("export-csv").click()]);
  result.exportName = download.suggestedFilename();
  result.exportCsv = await readFile(await download.path(), "utf8");

  // A crafted URL to a dashboard not meant for this person.
  await page.goto(`${baseUrl}/#/d/ops-health`);
  const outcome = page.locator('[data-panel-id], [role="alert"]').first();
  await outcome.waitFor();
  result.opsHealth = (await page.locator('[role="alert"]').count()) > 0 ? await page.locator('[role="alert"]').first().innerText() : "opened";

  await page.getByTestId("sign-out").click();
  await page.getByTestId("signin-submit").waitFor();
  result.signedOut = true;
  // The old session is gone on the server too: reloading shows the form again.
  await page.reload();
  await page.getByTestId("signin-submit").waitFor();
} finally {
  await context.close();
}
console.log(JSON.stringify(result));

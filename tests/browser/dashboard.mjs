// Drives headless Chromium through the demo: sign-in, the dashboard list, then Sales Performance.
// Usage: node tests/browser/dashboard.mjs <base-url> <user-data-dir> <screenshot.png> <email> <password>
// Prints one JSON object with what the page showed; the Rust test compares it with the API.
import { createRequire } from "node:module";

const require = createRequire(new URL("../../web/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const [baseUrl, userDataDir, screenshot, email, password] = process.argv.slice(2);
// axe-core checks accessibility in the page. It is evaluated through the debugging protocol,
// which the page's strict CSP does not govern (a script tag would be refused).
const axeSource = require("node:fs").readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** Serious and critical WCAG A/AA violations on the page: rule, impact, elements, an example. */
async function accessibility(page) {
  await page.evaluate(axeSource);
  return page.evaluate(async () => {
    const found = await window.axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
      resultTypes: ["violations"],
    });
    return found.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => ({ rule: v.id, impact: v.impact, nodes: v.nodes.length, example: v.nodes[0]?.html.slice(0, 160) }));
  });
}
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";

const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath,
  headless: true,
  viewport: { width: 1400, height: 1000 },
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-quic",
  ],
});
const result = {};
try {
  const page = await context.newPage();
  const consoleErrors = [];
  page.on("console", (message) => {
    // Before sign-in, `/auth/me` answering 401 is how the page learns to show the form.
    const signedOutProbe = message.location().url.endsWith("/api/v1/auth/me");
    if (message.type() === "error" && !signedOutProbe) consoleErrors.push(message.text());
  });
  page.setDefaultTimeout(30_000);
  await page.goto(`${baseUrl}/`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByTestId("signin-submit").click();
  const links = page.getByTestId("dashboard-link");
  await links.first().waitFor();
  result.dashboards = await links.allInnerTexts();
  // Showing the dashboard takes one request for the data of all its panels.
  const dataRequests = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.pathname.endsWith("/data")) dataRequests.push(url.pathname + url.search);
  });
  await links.filter({ hasText: "Sales Performance" }).click();

  const panel = (id) => page.locator(`[data-panel-id="${id}"]`);
  await panel("sales_overall_kpi").getByTestId("kpi-value").waitFor();
  result.overallKpi = await panel("sales_overall_kpi").innerText();
  result.title = await page.title();
  // Sales Performance brands itself (Acme's blue and Inter) over the workspace.
  const performanceLook = await page.evaluate(() => ({
    border: getComputedStyle(document.querySelector(".topbar")).borderBottomColor,
    font: getComputedStyle(document.body).fontFamily,
  }));
  result.performanceBorder = performanceLook.border;
  result.performanceFont = performanceLook.font;
  result.entitiesKpi = await panel("sales_entities_kpi").getByTestId("kpi-value").innerText();

  // Pixels a chart's canvas has drawn on.
  const paintedPixels = (canvas) =>
    canvas.evaluate((node) => {
      const data = node.getContext("2d").getImageData(0, 0, node.width, node.height).data;
      let count = 0;
      for (let i = 3; i < data.length; i += 4) if (data[i] > 0) count += 1;
      return count;
    });
  const painted = async (id) => {
    await panel(id).locator('[data-rendered="true"]').waitFor();
    return paintedPixels(panel(id).locator("canvas").first());
  };
  result.chartPaintedPixels = await painted("sales_monthly_trend");

  const table = panel("sales_entity_table");
  await table.getByTestId("table-row").first().waitFor();
  result.firstLoadRequests = [...dataRequests];
  result.accessibilityLight = await accessibility(page);
  const firstCells = async () => table.getByTestId("table-row").first().locator("td").allInnerTexts();
  result.tableRows = await table.getByTestId("table-row").count();
  result.tableFirstRow = await firstCells();
  result.tableRange = await table.getByTestId("table-range").innerText();

  // Sorting is done by the server: click "Entity" and wait for the first row to change.
  await table.getByRole("button", { name: "Entity" }).click();
  await page.waitForFunction(
    ([id, before]) => {
      const cell = document.querySelector(`[data-panel-id="${id}"] [data-testid="table-row"] td`);
      return cell && cell.textContent !== before;
    },
    ["sales_entity_table", result.tableFirstRow[0]],
  );
  result.sortedFirstRow = await firstCells();
  await table.getByRole("button", { name: "Next" }).click();
  await table.getByTestId("table-range").filter({ hasText: /^11–20 of/ }).waitFor();
  result.page2FirstRow = await firstCells();

  // The date range applies to every panel: FY 2024-25 changes the KPI.
  await page.getByLabel("From", { exact: true }).fill("2024-04-01");
  await page.getByLabel("To", { exact: true }).fill("2025-03-31");
  await page.getByRole("button", { name: "Apply" }).click();
  await page.waitForFunction(
    ([before]) => {
      const kpi = document.querySelector('[data-panel-id="sales_overall_kpi"]');
      return kpi && !kpi.querySelector(".spinner") && kpi.innerText !== before;
    },
    [result.overallKpi],
  );
  result.overallKpiFy2425 = await panel("sales_overall_kpi").innerText();

  // The fiscal-year toggle asks the server for a whole fiscal year (April to March here).
  await page.getByLabel("Range").selectOption("fy");
  result.fiscalYears = await page.getByLabel("Fiscal year").locator("option").allInnerTexts();
  await page.getByLabel("Fiscal year").selectOption("2023-2024");
  await page.getByRole("button", { name: "Apply" }).click();
  await page.waitForFunction(
    ([before]) => {
      const kpi = document.querySelector('[data-panel-id="sales_overall_kpi"]');
      return kpi && !kpi.querySelector(".spinner") && kpi.innerText !== before;
    },
    [result.overallKpiFy2425],
  );
  result.overallKpiFy2324 = await panel("sales_overall_kpi").innerText();
  result.rangeWords = await page.getByTestId("range-words").innerText();

  // The range is in the URL: the link opens the same view.
  result.url = page.url();
  await page.reload();
  await panel("sales_overall_kpi").getByTestId("kpi-value").waitFor();
  result.reloadedKpi = await panel("sales_overall_kpi").innerText();
  result.reloadedRangeWords = await page.getByTestId("range-words").innerText();

  // A filter control: the first channel narrows every panel, and goes into the URL.
  const channel = page.getByTestId("filter-bar").getByLabel("Channel", { exact: true });
  await channel.locator("option").nth(1).waitFor({ state: "attached" });
  result.channelChoice = await channel.locator("option").nth(1).getAttribute("value");
  await channel.selectOption(result.channelChoice);
  await page.waitForFunction(
    ([before]) => {
      const kpi = document.querySelector('[data-panel-id="sales_overall_kpi"]');
      return kpi && !kpi.querySelector(".spinner") && kpi.innerText !== before;
    },
    [result.reloadedKpi],
  );
  result.channelKpi = await panel("sales_overall_kpi").innerText();
  result.channelUrl = page.url();
  await page.screenshot({ path: screenshot, fullPage: true });
  await page.getByTestId("clear-filters").click();
  await page.waitForFunction(() => !location.hash.includes("f.channel"));

  // A click on the NORTH bar (the third zone) opens the rows behind it, grouped by state.
  const zones = panel("sales_by_zone").locator('[data-testid="chart"][data-rendered="true"]');
  await zones.scrollIntoViewIfNeeded();
  const zonesBox = await zones.boundingBox();
  const northX = zonesBox.x + 48 + ((zonesBox.width - 64) * 2.5) / 5;
  const northY = zonesBox.y + zonesBox.height - 40;
  await page.mouse.move(northX, northY);
  await page.waitForTimeout(200);
  await page.mouse.click(northX, northY);
  const drill = page.getByTestId("drill");
  await drill.getByTestId("table-row").first().waitFor();
  result.drillTitle = await drill.locator("h2").innerText();
  result.drillUrl = page.url();
  result.drillBy = await drill.getByTestId("drill-by").inputValue();
  result.drillFirstRow = await drill.getByTestId("table-row").first().locator("td").allInnerTexts();
  result.drillRange = await drill.getByTestId("table-range").innerText();
  result.drillPainted = await paintedPixels(drill.locator('[data-rendered="true"] canvas').first());
  await page.screenshot({ path: screenshot.replace(/\.png$/, "-drill.png") });
  // The raw rows, and their export as a file.
  await drill.getByTestId("drill-raw").click();
  await drill.getByTestId("table-range").filter({ hasNotText: result.drillRange }).waitFor();
  result.drillRawRange = await drill.getByTestId("table-range").innerText();
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    drill.getByTestId("drill-export-csv").click(),
  ]);
  const csv = require("node:fs").readFileSync(await download.path(), "utf8");
  result.drillCsvLines = csv.trimEnd().split("\n").length;
  result.drillCsvHeader = csv.split("\n")[0];
  // The table's page is in the link: a reload opens the drill on the same page.
  await drill.getByRole("button", { name: "Next" }).click();
  await drill.getByTestId("table-range").filter({ hasNotText: result.drillRawRange }).waitFor();
  result.drillPage2Range = await drill.getByTestId("table-range").innerText();
  result.drillPage2Url = page.url();
  await page.reload();
  await drill.getByTestId("table-row").first().waitFor();
  result.drillReloadedRange = await drill.getByTestId("table-range").innerText();
  await page.keyboard.press("Escape");
  await drill.waitFor({ state: "detached" });
  result.afterDrillUrl = page.url();
  // A KPI has no point to click: its "See the rows" opens the rows behind the figure.
  await panel("sales_overall_kpi").getByTestId("see-rows").click();
  await drill.getByTestId("table-row").first().waitFor();
  result.kpiDrillTitle = await drill.locator("h2").innerText();
  result.kpiDrillRange = await drill.getByTestId("table-range").innerText();
  await page.keyboard.press("Escape");
  await drill.waitFor({ state: "detached" });

  // Sales Overview: a gauge, two pies and a scatter plot, each drawn on its canvas.
  await page.goto(`${baseUrl}/#/d/sales-overview`);
  const overviewPanels = ["overview_attainment", "overview_zone_share", "overview_state_share", "overview_state_scatter", "overview_zone_trend", "overview_state_map"];
  result.overviewPainted = {};
  for (const id of overviewPanels) result.overviewPainted[id] = await painted(id);
  // The server's pictures show as images, their numbers in words beside them.
  await page.getByTestId("panel-image").nth(1).waitFor();
  result.images = await page.getByTestId("panel-image").evaluateAll((images) =>
    Promise.all(images.map((image) => image.decode().then(() => image.naturalWidth, () => 0))),
  );
  result.bulletWords = await panel("overview_bullet").getByTestId("image-words").innerText();
  // The text card: its words and the numbers in them.
  result.cardText = await panel("overview_summary").getByTestId("text-card").innerText();
  result.cardValues = await panel("overview_summary").getByTestId("card-value").allInnerTexts();
  // The workspace's branding: its logo, the top bar's colour, the font, the first chart colour.
  const look = () =>
    page.evaluate(() => ({
      border: getComputedStyle(document.querySelector(".topbar")).borderBottomColor,
      font: getComputedStyle(document.body).fontFamily,
    }));
  const logo = page.getByTestId("workspace-logo");
  await logo.waitFor();
  result.logoWidth = await logo.evaluate((image) => image.decode().then(() => image.naturalWidth, () => 0));
  const overviewLook = await look();
  result.topbarBorder = overviewLook.border;
  result.overviewFont = overviewLook.font;

  result.gaugeReading = await panel("overview_attainment").locator(".gauge-reading").innerText();
  result.pieTotal = await panel("overview_zone_share").getByTestId("pie-total").innerText();
  // Hovering a slice names it.
  const pieBox = await panel("overview_state_share").locator("canvas").first().boundingBox();
  await page.mouse.move(pieBox.x + pieBox.width * 0.4 + 20, pieBox.y + pieBox.height * 0.5 - 20);
  await page.waitForTimeout(300);
  result.pieTooltip = await page
    .locator('[data-panel-id="overview_state_share"] div')
    .filter({ hasText: "Share" })
    .last()
    .innerText()
    .catch(() => "");
  await page.screenshot({ path: screenshot.replace(/\.png$/, "-overview.png"), fullPage: true });

  // Dark: the page and the charts change with the theme.
  const background = () =>
    page.evaluate(() =>
      [document.body, document.documentElement]
        .map((element) => getComputedStyle(element).backgroundColor)
        .find((colour) => colour !== "rgba(0, 0, 0, 0)"),
    );
  result.lightBackground = await background();
  await page.getByTestId("theme-switcher").selectOption("dark");
  await page.locator('[data-panel-id="overview_zone_share"] [data-theme="dark"][data-rendered="true"]').waitFor();
  result.darkBackground = await background();
  result.darkCharts = await page.locator('[data-testid="chart"][data-theme="dark"]').count();
  result.accessibilityDark = await accessibility(page);
  await page.screenshot({ path: screenshot.replace(/\.png$/, "-overview-dark.png"), fullPage: true });

  // A phone: one column, nothing wider than the screen.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(300);
  result.phoneOverflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  result.phoneColumns = await page.evaluate(() => {
    const lefts = [...document.querySelectorAll("[data-panel-id]")].map((p) => Math.round(p.getBoundingClientRect().left));
    return new Set(lefts).size;
  });
  await page.screenshot({ path: screenshot.replace(/\.png$/, "-overview-phone.png"), fullPage: true });
  await page.getByTestId("theme-switcher").selectOption("");

  // One panel alone: a report at its own link, which opens again by itself.
  await page.setViewportSize({ width: 1400, height: 1000 });
  await page.goto(`${baseUrl}/#/d/sales-overview?fy=2024-2025&f.channel=Modern%20Trade`);
  await panel("overview_zone_share").getByTestId("open-report").click();
  await page.getByTestId("report").waitFor();
  await page.reload();
  result.reportPainted = await painted("overview_zone_share");
  result.reportUrl = page.url();
  result.reportScope = await page.getByTestId("report-scope").innerText();
  result.reportTitle = await page.title();
  result.reportPanels = await page.locator("[data-panel-id]").count();
  result.reportTotal = await panel("overview_zone_share").getByTestId("pie-total").innerText();
  await page.screenshot({ path: screenshot.replace(/\.png$/, "-report.png"), fullPage: true });
  result.consoleErrors = consoleErrors;
} finally {
  await context.close();
}
console.log(JSON.stringify(result));

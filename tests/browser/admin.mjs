// The admin pages as the super-admin: add a person, create and revoke an API key, create a
// workspace. Prints what the pages showed after each step.
// Usage: node tests/browser/admin.mjs <base-url> <user-data-dir> <email> <password>
import { createRequire } from "node:module";

const require = createRequire(new URL("../../web/package.json", import.meta.url));
const { chromium } = require("playwright-core");

const [baseUrl, userDataDir, email, password] = process.argv.slice(2);
const context = await chromium.launchPersistentContext(userDataDir, {
  executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1400, height: 1000 },
  args: ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const result = {};
try {
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  await page.goto(`${baseUrl}/`);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(password);
  await page.getByTestId("signin-submit").click();
  await page.getByRole("link", { name: "Admin", exact: true }).click();

  // People: a weak password is refused with the server's reason, a good one adds the person.
  const people = page.getByTestId("users-table");
  await people.locator("tbody tr").first().waitFor();
  result.peopleBefore = await people.locator("tbody tr").count();
  const form = page.getByTestId("new-user");
  await form.getByLabel("Email").fill("dana@acme.example");
  await form.getByLabel("Name").fill("Dana Data");
  await form.getByLabel("Password (12–128)").fill("password1234");
  await form.getByLabel("Role").selectOption("sales_manager");
  await form.getByLabel("Attributes").fill("zone=EAST");
  await form.getByRole("button", { name: "Add" }).click();
  result.weakPassword = await form.getByRole("alert").innerText();
  await form.getByLabel("Password (12–128)").fill("dana has a long passphrase");
  await form.getByRole("button", { name: "Add" }).click();
  await people.getByText("dana@acme.example").waitFor();
  result.peopleAfter = await people.locator("tbody tr").count();
  result.danaRow = await people.locator("tr", { hasText: "dana@acme.example" }).innerText();

  // API keys: the secret is shown once; revoking strikes the key through.
  await page.getByRole("link", { name: "API keys" }).click();
  await page.getByLabel("Name").fill("agent");
  await page.getByRole("button", { name: "Create key" }).click();
  result.secret = await page.getByTestId("new-key-secret").locator("code").innerText();
  const keyRow = page.getByTestId("keys-table").locator("tr", { hasText: "agent" });
  await keyRow.getByRole("button", { name: "Revoke" }).click();
  await keyRow.getByText("revoked").waitFor();
  result.keyRow = await keyRow.innerText();

  // Tenants: create one; it is listed with the free plan's limits.
  await page.getByRole("link", { name: "Tenants" }).click();
  await page.getByLabel("Name").fill("Delta Depot");
  await page.getByRole("button", { name: "Create" }).click();
  const tenantRow = page.getByTestId("tenants-table").locator("tr", { hasText: "Delta Depot" });
  await tenantRow.waitFor();
  result.tenantRow = await tenantRow.innerText();
  // The new workspace appears in the switcher.
  await page.getByTestId("tenant-switcher").locator("option", { hasText: "Delta Depot" }).waitFor({ state: "attached" });
  result.workspaces = await page.getByTestId("tenant-switcher").locator("option").allInnerTexts();
} finally {
  await context.close();
}
console.log(JSON.stringify(result));

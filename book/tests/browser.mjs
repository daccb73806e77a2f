// Browser tests of the built book, the way readers use it: headless Chromium on a local copy.
//
//   node book/tests/browser.mjs [BUILD_DIR]
//
// Checks: every page loads with no console error and no request to another host; the sidebar
// navigates; search finds a section; every exercise card shows its command; a quiz can be
// answered and scored. Screenshots land in .screenshots/ at the repository root (git-ignored).
// Prints "N passed, N failed" last; exits non-zero on any failure.

import { createServer } from "node:http";
import { readFile, readdir, mkdir, stat } from "node:fs/promises";
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, "../..");
const buildDir = path.resolve(process.argv[2] ?? path.join(root, "book/build"));
const shots = path.join(root, ".screenshots");
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";

const types = {
    ".html": "text/html; charset=utf-8", ".css": "text/css", ".js": "text/javascript",
    ".json": "application/json", ".svg": "image/svg+xml", ".png": "image/png",
    ".woff2": "font/woff2", ".woff": "font/woff", ".ttf": "font/ttf", ".ico": "image/x-icon",
};

// A static server for the build folder, on loopback only.
function serve(dir) {
    const server = createServer(async (req, res) => {
        let file = path.join(dir, decodeURIComponent(new URL(req.url, "http://x").pathname));
        if (!file.startsWith(dir)) { res.writeHead(403).end(); return; }
        try {
            if ((await stat(file)).isDirectory()) file = path.join(file, "index.html");
            const body = await readFile(file);
            res.writeHead(200, { "content-type": types[path.extname(file)] ?? "application/octet-stream" });
            res.end(body);
        } catch {
            res.writeHead(404).end("not found");
        }
    });
    return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve(server)));
}

async function htmlPages(dir, prefix = "") {
    const pages = [];
    for (const entry of await readdir(path.join(dir, prefix), { withFileTypes: true })) {
        const rel = path.posix.join(prefix, entry.name);
        if (entry.isDirectory()) {
            if (!["fonts", "FontAwesome", "css"].includes(entry.name)) pages.push(...await htmlPages(dir, rel));
        } else if (entry.name.endsWith(".html")) {
            pages.push(rel);
        }
    }
    return pages.sort();
}

let passed = 0;
let failed = 0;
async function check(name, body) {
    const started = Date.now();
    try {
        await body();
        passed += 1;
        console.log(`ok    ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
    } catch (e) {
        failed += 1;
        console.log(`FAIL  ${name}: ${e.message.split("\n").slice(0, 6).join("\n      ")}`);
    }
}
function assert(condition, message) {
    if (!condition) throw new Error(message);
}

const started = Date.now();
if (!existsSync(path.join(buildDir, "index.html"))) {
    console.error(`no built book in ${buildDir}: run \`cargo xtask book\` first`);
    process.exit(2);
}
await mkdir(shots, { recursive: true });
const server = await serve(buildDir);
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({
    executablePath: browserPath,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });

// Every request must stay on this machine; anything else is recorded and refused.
const outside = [];
await context.route("**/*", (route) => {
    const url = new URL(route.request().url());
    if (url.hostname === "127.0.0.1" || url.protocol === "data:" || url.protocol === "blob:") {
        return route.continue();
    }
    outside.push(route.request().url());
    return route.abort();
});

const pages = await htmlPages(buildDir);

await check(`all ${pages.length} pages load with no console error and no outside request`, async () => {
    const page = await context.newPage();
    const problems = [];
    page.on("console", (msg) => { if (msg.type() === "error") problems.push(`${page.url()}: console: ${msg.text()}`); });
    page.on("pageerror", (err) => problems.push(`${page.url()}: ${err.message}`));
    for (const rel of pages) {
        const response = await page.goto(base + rel, { waitUntil: "load" });
        if (!response || (response.status() !== 200 && rel !== "404.html")) {
            problems.push(`${rel}: HTTP ${response?.status()}`);
        }
    }
    await page.close();
    assert(outside.length === 0, `requests to other hosts: ${[...new Set(outside)].join(", ")}`);
    assert(problems.length === 0, problems.join("\n"));
});

await check("the sidebar navigates to a section", async () => {
    const page = await context.newPage();
    await page.goto(base + "index.html");
    await page.locator("#mdbook-sidebar a, nav#sidebar a, .sidebar a").filter({ hasText: "Pipeline" }).first().click();
    await page.waitForURL(/patterns\/pipeline\.html/);
    const title = await page.locator("main h1").first().textContent();
    assert(title.includes("Pipeline"), `expected the Pipeline page, got "${title}"`);
    await page.screenshot({ path: path.join(shots, "section-pipeline.png"), fullPage: false });
    await page.close();
});

await check("search finds a section", async () => {
    const page = await context.newPage();
    await page.goto(base + "index.html");
    await page.keyboard.press("s");
    const input = page.locator("#mdbook-searchbar, #searchbar").first();
    await input.waitFor({ state: "visible" });
    // mdBook searches on key events, so type the words rather than setting the value.
    await input.pressSequentially("circuit breaker", { delay: 20 });
    const hit = page.locator("#mdbook-searchresults a, #searchresults a").filter({ hasText: /circuit/i }).first();
    await hit.waitFor({ state: "visible", timeout: 5000 });
    const href = await hit.getAttribute("href");
    assert(href.includes("circuit-breaker"), `the first match links to ${href}`);
    await page.close();
});

await check("every exercise card shows its grading command", async () => {
    const page = await context.newPage();
    let cards = 0;
    for (const rel of pages.filter((p) => p !== "print.html")) {
        await page.goto(base + rel);
        for (const card of await page.locator(".exercise-card").all()) {
            cards += 1;
            const id = await card.getAttribute("id");
            const name = id.replace(/^exercise-/, "");
            const text = await card.textContent();
            assert(text.includes(`cargo xtask check ${name}`), `${rel}: the card for ${name} lacks its command`);
            assert(text.includes("Hint 1"), `${rel}: the card for ${name} has no hints`);
        }
    }
    assert(cards >= 3, `expected the three written exercises to have cards, found ${cards}`);
    await page.close();
});

await check("a quiz can be answered and scored", async () => {
    const page = await context.newPage();
    await page.goto(base + "interview/concurrency-and-parallelism.html");
    const questions = await page.locator(".quiz-question").all();
    assert(questions.length >= 3, `expected a quiz, found ${questions.length} questions`);
    // Answer every question right except the first, which gets a wrong choice.
    for (const [i, q] of questions.entries()) {
        const answer = Number(await q.getAttribute("data-answer"));
        const pick = i === 0 ? (answer + 1) % (await q.locator("input").count()) : answer;
        await q.locator("input").nth(pick).check();
    }
    await page.locator(".quiz-check").first().click();
    const score = await page.locator(".quiz-score").first().textContent();
    const expected = `${questions.length - 1} of ${questions.length} correct.`;
    assert(score.trim() === expected, `expected "${expected}", got "${score}"`);
    assert(await questions[0].evaluate((q) => q.classList.contains("quiz-wrong")), "the wrong answer is not marked");
    assert(await questions[0].locator(".quiz-explanation").isVisible(), "no explanation after checking");
    await page.screenshot({ path: path.join(shots, "quiz.png"), fullPage: true });
    await page.close();
});

await browser.close();
server.close();
console.log(`browser tests took ${((Date.now() - started) / 1000).toFixed(1)} s; screenshots in .screenshots/`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);

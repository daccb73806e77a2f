//! Link checking of the built book: every local `href`/`src` must name a file that exists, and
//! every `#fragment` an element id on the target page. Links to other hosts are not followed
//! (the book must work offline, so a page never needs them).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;

use anyhow::Result;
use regex::Regex;

static ID: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"\sid="([^"]+)""#).unwrap());
static LINK: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"\s(?:href|src)="([^"]*)""#).unwrap());

/// Returns one line per broken link: `page: link (why)`.
pub fn check(out: &Path) -> Result<Vec<String>> {
    let mut pages = Vec::new();
    crate::course::collect_files(out, &mut pages)?;
    pages.retain(|p| p.extension().is_some_and(|e| e == "html"));

    let mut ids: BTreeMap<PathBuf, BTreeSet<String>> = BTreeMap::new();
    let mut texts = Vec::new();
    for page in &pages {
        let text = fs::read_to_string(page)?;
        ids.insert(
            page.clone(),
            ID.captures_iter(&text).map(|c| c[1].to_string()).collect(),
        );
        texts.push((page, text));
    }

    let mut broken = Vec::new();
    for (page, text) in &texts {
        let dir = page.parent().expect("a page is in a folder");
        for caps in LINK.captures_iter(text) {
            let link = caps[1].replace("&amp;", "&");
            if link.is_empty()
                || link.contains("://")
                || link.starts_with("mailto:")
                || link.starts_with("javascript:")
                || link.starts_with("data:")
            {
                continue;
            }
            let (path, fragment) = match link.split_once('#') {
                Some((path, fragment)) => (path, Some(fragment)),
                None => (link.as_str(), None),
            };
            let path = path.split('?').next().unwrap_or("");
            let target = if path.is_empty() {
                (*page).clone()
            } else {
                // A link from the site's root (`/`, as the 404 page uses) starts at the build folder.
                let base = if path.starts_with('/') { out } else { dir };
                let mut target = crate::course::normalize(&base.join(path.trim_start_matches('/')));
                if target.is_dir() {
                    target.push("index.html");
                }
                target
            };
            let shown = page.strip_prefix(out).unwrap_or(page).display();
            if !target.starts_with(out) || !target.is_file() {
                broken.push(format!("{shown}: {link} (no such file)"));
                continue;
            }
            if let Some(fragment) = fragment.filter(|f| !f.is_empty()) {
                let known = ids.get(&target).is_some_and(|set| set.contains(fragment));
                if !known && target.extension().is_some_and(|e| e == "html") {
                    broken.push(format!("{shown}: {link} (no element with id `{fragment}`)"));
                }
            }
        }
    }
    broken.sort();
    broken.dedup();
    Ok(broken)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broken_files_and_fragments_are_reported_and_good_links_are_not() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path();
        fs::create_dir_all(out.join("part")).unwrap();
        fs::write(
            out.join("index.html"),
            r##"<a href="part/page.html#the-trap">ok</a> <a href="part/page.html#nowhere">bad fragment</a>
               <a href="missing.html">bad file</a> <a href="#top">ok</a> <h1 id="top">x</h1>
               <a href="https://example.org/">outside, not followed</a>"##,
        )
        .unwrap();
        fs::write(
            out.join("part/page.html"),
            r#"<h2 id="the-trap">t</h2><a href="../index.html">up</a><img src="/missing.png">"#,
        )
        .unwrap();
        let broken = check(out).unwrap();
        assert_eq!(
            broken,
            [
                "index.html: missing.html (no such file)",
                "index.html: part/page.html#nowhere (no element with id `nowhere`)",
                "part/page.html: /missing.png (no such file)",
            ]
        );
    }
}

"""The documentation site opened from disk in Chromium: every page reachable from its index loads with nothing
failing and nothing fetched from the network, and every link between its pages resolves (anchors included)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urldefrag, urlparse


def test_every_link_of_the_site_resolves_from_disk(browser, documentation_site: Path):
    context = browser.new_context()
    page = context.new_page()
    failed, errors, remote = [], [], []
    page.on("requestfailed", lambda r: failed.append(f"{r.url}: {r.failure}"))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: remote.append(r.url) if r.url.startswith(("http:", "https:")) else None)
    index = (documentation_site / "index.html").resolve()
    to_visit, seen, anchors, broken = [index.as_uri()], set(), {}, []
    while to_visit:
        url = to_visit.pop()
        if url in seen:
            continue
        seen.add(url)
        page.goto(url)
        ids = set(page.evaluate("Array.from(document.querySelectorAll('[id]'), e => e.id)"))
        anchors[url] = ids
        for href in page.evaluate("Array.from(document.querySelectorAll('a[href]'), a => a.href)"):
            target, fragment = urldefrag(href)
            if not target.startswith("file:"):
                continue
            path = Path(unquote(urlparse(target).path))
            if path.is_dir():
                path = path / "index.html"
                target = path.as_uri()
            if not path.exists():
                broken.append(f"{url} → {href}")
            elif path.suffix == ".html":
                to_visit.append(target)
                if fragment:
                    anchors.setdefault(("wanted", target), set()).add((fragment, url))
    for key, wanted in list(anchors.items()):
        if isinstance(key, tuple):
            have = anchors.get(key[1], set())
            broken += [f"{source} → {key[1]}#{fragment}" for fragment, source in wanted if unquote(fragment) not in have]
    context.close()
    pages = [u for u in seen if u.endswith(".html")]
    assert len(pages) > 30, f"only {len(pages)} pages reachable from the index"
    assert broken == [], broken[:20]
    assert failed == [], failed[:20]
    assert errors == [], errors[:20]
    assert remote == [], remote[:20]

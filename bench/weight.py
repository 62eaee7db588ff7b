"""What a visit to a case costs the network: `uv run python bench/weight.py`.

It starts the same server as bench/web.py (scratch database and data set, gunicorn without DEBUG, so
static files are whitenoise's hashed and pre-compressed ones), logs in, then:

1. first load: fetches the case overview and every stylesheet and script it links (and every module those
   scripts import, as the browser does), each with
   `Accept-Encoding: gzip` as a browser sends it, and adds up the bytes on the wire (the page itself is
   counted gzip-compressed at level 6 when the server sends it uncompressed, as a compressing proxy would).
2. repeat visit: Chromium (Playwright, /usr/bin/chromium) opens the page, waits until the service worker is
   installed and controls the page, then opens it again; the requests that reached the server during the
   second visit are read from gunicorn's access log. The page itself (network-first) and the browser's
   update check of /serviceworker.js are not shell assets and are left out (the log names them).

The last line is exactly
    weight: first_load_kb=<n> repeat_network_requests=<n>
"""

import argparse
import gzip
import re
import sys
import time
from pathlib import Path
from urllib.parse import urljoin

sys.path.insert(0, str(Path(__file__).resolve().parent))

from web import Server, log  # noqa: E402

from tests.chromium import CHROMIUM_ARGS, chromium_or_exit  # noqa: E402


def linked_assets(html: str) -> list[str]:
    stylesheets = re.findall(r'<link[^>]+rel="stylesheet"[^>]*href="([^"]+)"', html)
    stylesheets += re.findall(r'<link[^>]+href="([^"]+)"[^>]*rel="stylesheet"', html)
    scripts = re.findall(r'<script[^>]+src="([^"]+)"', html)
    return list(dict.fromkeys(stylesheets + scripts))


def first_load(server: Server, path: str, cookie: str) -> int:
    headers = {"Cookie": cookie, "Accept-Encoding": "gzip"}
    status, response, body = server.request("GET", path, headers=headers)
    if status != 200:
        raise SystemExit(f"{path} answered {status}")
    if response.headers.get("Content-Encoding") == "gzip":
        page_bytes, html = len(body), gzip.decompress(body).decode()
    else:
        html = body.decode()
        page_bytes = len(gzip.compress(body, 6))
        log(f"page: served uncompressed ({len(body)} B); {page_bytes} B gzip-compressed")
    total = page_bytes
    assets = linked_assets(html)
    for asset in assets:  # grows with the modules each script imports
        status, response, content = server.request("GET", asset, headers=headers)
        encoding = response.headers.get("Content-Encoding", "identity")
        if status != 200:
            raise SystemExit(f"{asset} answered {status}")
        log(f"{asset}: {len(content)} B ({encoding})")
        total += len(content)
        if asset.endswith(".js"):
            text = (gzip.decompress(content) if encoding == "gzip" else content).decode()
            for imported in module_imports(text):
                url = urljoin(asset, imported)
                if url not in assets:
                    assets.append(url)
    return total


def module_imports(script: str) -> list[str]:
    """The modules an ES module imports when it loads (`import … from "./x.js"`, `import "./x.js"`, also as
    collectstatic writes them, without spaces); not those it imports later, with `import("./x.js")`."""
    return re.findall(r"""^\s*import\s*(?:[^"';(]*?\s*from\s*)?["']([^"']+)["']""", script, re.MULTILINE)


def repeat_requests(server: Server, path: str, cookie: str) -> int:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_or_exit(), args=CHROMIUM_ARGS)
        context = browser.new_context()
        context.add_cookies(
            [
                {"name": name, "value": value, "url": server.base}
                for name, value in (part.split("=", 1) for part in cookie.split("; "))
            ]
        )
        page = context.new_page()
        page.goto(server.base + path, wait_until="load")
        # Polled with evaluate(): the page's CSP refuses wait_for_function's string evaluation.
        deadline = time.monotonic() + 30
        while not page.evaluate("() => navigator.serviceWorker.controller !== null"):
            if time.monotonic() > deadline:
                raise SystemExit("the service worker did not take control within 30 s")
            time.sleep(0.2)
        time.sleep(1)  # let the precache settle and the first visit's stragglers reach the log
        mark = server.access_log.stat().st_size
        page.goto(server.base + path, wait_until="load")
        page.wait_for_load_state("networkidle")
        time.sleep(1)
        browser.close()
    with server.access_log.open("rb") as handle:
        handle.seek(mark)
        lines = handle.read().decode(errors="replace").splitlines()
    paths = [m.group(1) for line in lines if (m := re.search(r'"[A-Z]+ ([^ ]+) HTTP', line))]
    ignored = {path, "/serviceworker.js"}
    shell = [p for p in paths if p.split("?")[0] not in ignored]
    log(f"repeat visit reached the server {len(paths)} times: {paths}")
    return len(shell)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default=None, help="as in bench/web.py")
    args = parser.parse_args()
    server = Server(args.database_url, bare_view=False)
    try:
        server.setup()
        cookie = server.login()
        path = f"/cases/{server.case_code}/"
        total = first_load(server, path, cookie)
        repeat = repeat_requests(server, path, cookie)
    finally:
        server.stop()
    print(f"weight: first_load_kb={total / 1024:.1f} repeat_network_requests={repeat}")


if __name__ == "__main__":
    main()

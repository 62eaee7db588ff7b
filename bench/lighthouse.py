"""Lighthouse on the signed-in case overview, as a phone sees it: `uv run python bench/lighthouse.py`.

It sets up the same server and data set as bench/web.py (production settings, gunicorn as `python -m
secondop.run web` starts it, PostgreSQL when 127.0.0.1:5432 answers), logs in through the real login form,
then runs Lighthouse (npm `lighthouse`, pinned in package-lock.json; `npm ci` installs it) on Debian's
Chromium with its default mobile emulation and simulated slow 4G, sending the session cookie. Each
category is scored --runs times (default 3) and the median is kept, as Lighthouse's own docs advise.

The last line is exactly
    lighthouse: performance=<n> accessibility=<n> best_practices=<n>
Targets: performance ≥ 95, accessibility 100, best practices ≥ 95. The audits that cost points are printed
above it. `--language es` first switches the person to Spanish with the switch at the foot of the page.
"""

import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from web import Server, log  # noqa: E402

from tests.chromium import chromium_or_exit  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
LIGHTHOUSE = ROOT / "node_modules" / ".bin" / "lighthouse"
CATEGORIES = ("performance", "accessibility", "best-practices")


def run_lighthouse(url: str, cookie: str, output: Path) -> dict:
    """One Lighthouse run; its JSON report."""
    command = [
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={output}",
        f"--only-categories={','.join(CATEGORIES)}",
        "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        f"--extra-headers={json.dumps({'Cookie': cookie})}",
    ]
    env = dict(os.environ, CHROME_PATH=chromium_or_exit())
    output.unlink(missing_ok=True)
    done = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    if output.exists():  # also after a runtime error, which the report describes (runtimeError)
        report: dict = json.loads(output.read_text())
        return report
    if done.returncode != 0:
        return {"runtimeError": {"code": f"exit {done.returncode}", "message": done.stderr[-3000:]}}
    raise SystemExit(f"lighthouse wrote no report:\n{done.stderr[-3000:]}")


def choose_language(server: Server, cookie: str, language: str) -> None:
    """The person's language, chosen with the switch at the foot of every page (a plain form)."""
    status, _, body = server.request("GET", "/cases/", headers={"Cookie": cookie})
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body)
    if status != 200 or match is None:
        raise SystemExit(f"the case list answered {status} without a CSRF token")
    form = {"csrfmiddlewaretoken": match.group(1).decode(), "language": language, "next": "/cases/"}
    status, _, _ = server.request(
        "POST",
        "/account/language/",
        body=urllib.parse.urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie},
    )
    if status != 302:
        raise SystemExit(f"choosing the language answered {status}")
    status, _, body = server.request("GET", "/cases/", headers={"Cookie": cookie})
    if f'<html lang="{language}">'.encode() not in body:
        raise SystemExit(f"the pages are not in {language} after choosing it")


def lost_points(report: dict) -> list[str]:
    """The audits that cost a category points, with what they weigh."""
    lines = []
    for name in CATEGORIES:
        category = report["categories"][name]
        for ref in category["auditRefs"]:
            audit = report["audits"][ref["id"]]
            score = audit.get("score")
            if ref.get("weight", 0) > 0 and score is not None and score < 1:
                value = audit.get("displayValue", "")
                lines.append(f"{name}: {ref['id']} score={score} weight={ref['weight']} {value}".rstrip())
                for item in (audit.get("details") or {}).get("items", [])[:5]:
                    lines.append(f"    {json.dumps(item)[:300]}")
    shifts = report["audits"].get("layout-shifts", {})
    for item in (shifts.get("details") or {}).get("items", [])[:5]:
        lines.append(f"layout shift: {json.dumps(item)[:400]}")
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=3, help="runs per page; the median score is kept")
    parser.add_argument("--database-url", default=None, help="as for bench/web.py")
    parser.add_argument("--save", type=Path, default=None, help="a folder to keep each run's JSON report in")
    parser.add_argument("--language", default="", help="the person's language (es: Spanish), else English")
    args = parser.parse_args()
    if not LIGHTHOUSE.exists():
        raise SystemExit("Lighthouse is missing: run `npm ci` in the project's root")

    server = Server(args.database_url, bare_view=False)
    scratch = Path(tempfile.mkdtemp(prefix="secondop-lighthouse-"))
    scores: dict[str, list[int]] = {name: [] for name in CATEGORIES}
    try:
        server.setup()
        cookie = server.login()
        if args.language:
            choose_language(server, cookie, args.language)
        url = f"{server.base}/cases/{server.case_code}/"
        # One visit first, as a person who has used the app: the server's caches are warm.
        server.request("GET", url.removeprefix(server.base), headers={"Cookie": cookie})
        for run in range(args.runs):
            for _attempt in range(3):  # Lighthouse itself sometimes fails to record a trace (NO_NAVSTART)
                report = run_lighthouse(url, cookie, scratch / f"run-{run}.json")
                if not report.get("runtimeError"):
                    break
                log(f"run {run + 1}: Lighthouse failed ({report['runtimeError'].get('code')}); again")
            if args.save is not None:
                args.save.mkdir(parents=True, exist_ok=True)
                shutil.copy(scratch / f"run-{run}.json", args.save / f"lighthouse-{run + 1}.json")
            if report.get("runtimeError"):
                raise SystemExit(f"lighthouse: {report['runtimeError']}")
            final = report.get("finalDisplayedUrl") or report.get("finalUrl", "")
            if "/accounts/login" in final:
                raise SystemExit("lighthouse was shown the login page: the session cookie did not work")
            run_scores = {name: round(report["categories"][name]["score"] * 100) for name in CATEGORIES}
            for name, score in run_scores.items():
                scores[name].append(score)
            log(f"run {run + 1}: {run_scores}")
            for line in lost_points(report):
                log(f"  {line}")
    finally:
        server.stop()
        shutil.rmtree(scratch, ignore_errors=True)
    median = {name: round(statistics.median(values)) for name, values in scores.items()}
    print(
        f"lighthouse: performance={median['performance']} accessibility={median['accessibility']} "
        f"best_practices={median['best-practices']}"
    )


if __name__ == "__main__":
    main()

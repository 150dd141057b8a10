"""Retake the README's screenshot from a running `make run` server, in headless Chromium.

    make run PORT=8102 &
    .venv/bin/python docs/screenshot.py --base http://127.0.0.1:8102 --page /trains/payments-art/

Signs in as the demo RTE and saves a 1440x900 view of the page to docs/screenshot-train.png.
"""

import argparse
import shutil
from pathlib import Path

from playwright.sync_api import sync_playwright

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8000")
    parser.add_argument("--page", default="/trains/payments-art/")
    parser.add_argument("--out", default=str(Path(__file__).with_name("screenshot-train.png")))
    parser.add_argument("--width", type=int, default=1440)
    parser.add_argument("--height", type=int, default=900)
    parser.add_argument("--user", default="rte")
    parser.add_argument("--password", default="railyard-demo")
    args = parser.parse_args()

    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": args.width, "height": args.height})
        page.goto(f"{args.base}/accounts/login/")
        page.get_by_label("Username").fill(args.user)
        page.get_by_label("Password").fill(args.password)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(f"{args.base}/trains/")
        page.goto(f"{args.base}{args.page}")
        page.wait_for_load_state("networkidle")
        page.screenshot(path=args.out)
        browser.close()
    print(f"saved {args.out}")


if __name__ == "__main__":
    main()

"""How long from a keystroke to the redrawn table in ``archplan serve``, through the real server?

Starts the app on 127.0.0.1 (uvicorn, an ephemeral port) and measures, for the tutorial's network
and for ResNet-50 (examples/resnet50.json, imported once from keras.applications.ResNet50):

1. in headless Chromium (when /usr/bin/chromium and chromedriver are installed): a real keystroke
   typed into the editor (a space inside the description, so the network stays the same), until
   the page has redrawn the table from the server's answer; the page records each time in
   ``window.archplanTimings`` (from the input event's time stamp);
2. over HTTP (httpx2): the request the page sends on each keystroke, answered and parsed.

Prints the median and the slowest of ``--repeat`` keystrokes. Goals: tutorial under 50 ms,
ResNet-50 under 200 ms. Usage: python benchmarks/serve_speed.py [--repeat N]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import httpx2

from archplan.serve.app import create_app
from archplan.serve.running import running

ROOT = Path(__file__).resolve().parents[1]
SPECS = {
    "tutorial": ROOT / "specs" / "tutorial-convnet.json",
    "ResNet-50": ROOT / "examples" / "resnet50.json",
}
GOALS_MS = {"tutorial": 50.0, "ResNet-50": 200.0}
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")


def over_http(url: str, text: str, repeat: int) -> list[float]:
    timings = []
    with httpx2.Client(base_url=url) as client:
        for index in range(repeat):
            edited = text.replace('"description": "', '"description": "' + " " * (index % 2), 1)
            start = time.perf_counter()
            answer = client.post("/api/trace", json={"text": edited}).json()
            timings.append((time.perf_counter() - start) * 1000)
            assert answer["ok"], answer
    return timings


def in_browser(url: str, name: str, repeat: int) -> list[float]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    with tempfile.TemporaryDirectory() as profile:
        for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                     "--no-first-run", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage",
                     "--window-size=1440,960", f"--user-data-dir={profile}"):  # fmt: skip
            options.add_argument(flag)
        driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
        try:
            driver.get(url)
            wait = WebDriverWait(driver, 60)
            wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#trace tbody tr"))
            editor = driver.find_element(By.ID, "editor")
            text = editor.get_attribute("value")
            where = text.index('"description": "') + len('"description": "')
            driver.execute_script(
                "arguments[0].focus(); arguments[0].setSelectionRange(arguments[1], arguments[1]);"
                "window.archplanTimings.length = 0;",
                editor, where,
            )  # fmt: skip
            for index in range(repeat):
                editor.send_keys(" ")
                wait.until(lambda d, n=index + 1: d.execute_script(
                    "return window.archplanTimings.length") >= n)  # fmt: skip
                time.sleep(0.05)  # one keystroke at a time: each answer drawn before the next
            timings: list[float] = driver.execute_script("return window.archplanTimings")
        finally:
            driver.quit()
    assert len(timings) == repeat, f"{name}: {len(timings)} redraws for {repeat} keystrokes"
    return timings


def line(what: str, name: str, timings: list[float]) -> str:
    median, worst = statistics.median(timings), max(timings)
    verdict = "within" if median < GOALS_MS[name] else "OVER"
    return (f"{name:>10} {what:<8} median {median:6.1f} ms, slowest {worst:6.1f} ms "
            f"({len(timings)} keystrokes; goal {GOALS_MS[name]:.0f} ms: {verdict})")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    browser = CHROMIUM.exists() and CHROMEDRIVER.exists()
    if not browser:
        print("note: no /usr/bin/chromium or chromedriver: measuring over HTTP only")
    for name, spec in SPECS.items():
        with tempfile.TemporaryDirectory() as folder:
            shutil.copy(spec, folder)
            app = create_app(Path(folder), initial=spec.name)
            with running(app) as url:
                over_http(url, spec.read_text(encoding="utf-8"), 3)  # warm up
                print(line("HTTP", name, over_http(url, spec.read_text(encoding="utf-8"),
                                                    args.repeat)))  # fmt: skip
                if browser:
                    print(line("browser", name, in_browser(url, name, args.repeat)))


if __name__ == "__main__":
    main()

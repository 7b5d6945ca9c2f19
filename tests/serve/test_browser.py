"""``archplan serve`` in a real browser: Debian's headless Chromium, driven by Selenium.

The test edits the tutorial's spec and sees the shapes change, makes it impossible and applies
the first fix, plans under a budget and opens a point's spec, compares two specs, saves, and
sees a change on disk reload; it saves screenshots, into docs/images/serve-*.png (shown by
docs/serve.md) only under ``--update-golden``, else into a temporary folder. It skips, saying why,
where Chromium, its driver or Selenium is missing.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("starlette", reason="archplan serve needs the serve extra")
pytest.importorskip("selenium", reason="the browser test needs selenium")

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from archplan.serve.app import create_app
from archplan.serve.running import running
from tests.conftest import ROOT, SPECS

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
DOC_IMAGES = ROOT / "docs" / "images"
WAIT = 30.0
CHROMIUM_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-dev-shm-usage", "--window-size=1440,960",
)  # fmt: skip

pytestmark = pytest.mark.skipif(
    not (CHROMIUM.exists() and CHROMEDRIVER.exists()),
    reason="needs Debian's chromium and chromium-driver (apt-get install chromium "
    "chromium-driver; make test installs them)",
)


def chromium(profile: Path) -> Any:
    """Headless Chromium with a fresh profile, and nothing fetched from the network."""
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    served = tmp_path / "served"
    served.mkdir()
    shutil.copy(SPECS / "tutorial-convnet.json", served)
    return served


@pytest.fixture
def screenshots(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """docs/images under ``--update-golden`` (as golden files are rewritten), else a scratch folder."""
    return DOC_IMAGES if request.config.getoption("--update-golden") else tmp_path / "images"


@pytest.fixture
def browser(folder: Path) -> Iterator[tuple[Any, str]]:
    app = create_app(folder, initial="tutorial-convnet.json")
    with running(app) as url, tempfile.TemporaryDirectory() as profile:
        driver = chromium(Path(profile))
        try:
            driver.get(url)
            yield driver, url
        finally:
            driver.quit()


def until(driver: Any, check: Callable[[], Any], what: str) -> Any:
    """Wait for ``check``; an element redrawn meanwhile (stale) is looked up again."""
    wait = WebDriverWait(driver, WAIT, ignored_exceptions=(StaleElementReferenceException,))
    return wait.until(lambda _: check(), message=f"waited for {what}")


def cell(driver: Any, row: int, column: int) -> str:
    """A table cell's text, read in one step (the table may be redrawn at any moment)."""
    script = (
        "const row = document.querySelectorAll('#trace tbody tr')[arguments[0]];"
        "return row && row.cells[arguments[1]] ? row.cells[arguments[1]].textContent : '';"
    )
    return str(driver.execute_script(script, row, column))


def click(driver: Any, css: str, what: str) -> None:
    """Click the first element ``css`` finds, once it is there (looked up again if redrawn)."""

    def clicked() -> bool:
        found = driver.find_elements(By.CSS_SELECTOR, css)
        if not found:
            return False
        found[0].click()
        return True

    until(driver, clicked, what)


def type_over(driver: Any, old: str, new: str, *, occurrence: int = 0) -> None:
    """Select ``old`` in the editor (its ``occurrence``-th time) and type ``new`` over it."""
    editor = driver.find_element(By.ID, "editor")
    text = editor.get_attribute("value")
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(old, start + 1)
    driver.execute_script(
        "arguments[0].focus(); arguments[0].setSelectionRange(arguments[1], arguments[2]);",
        editor, start, start + len(old),
    )  # fmt: skip
    editor.send_keys(new)


def shoot(driver: Any, images: Path, name: str) -> None:
    """A screenshot for docs/serve.md, the editor scrolled back to its start of line."""
    driver.execute_script("document.getElementById('editor').scrollLeft = 0;")
    images.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(images / name))
    assert (images / name).stat().st_size > 0


def test_edit_break_fix_plan_compare_save_and_reload(
    browser: tuple[Any, str], folder: Path, screenshots: Path
) -> None:
    driver, _ = browser
    until(driver, lambda: cell(driver, 0, 4) == "(32, 32, 64)", "the tutorial's table")
    assert driver.find_element(By.ID, "status").text == "tutorial-convnet.json"
    until(driver, lambda: driver.find_elements(By.CSS_SELECTOR, "#diagram img"), "the diagram")

    # Edit: the first convolution loses its padding, so its maps shrink by two.
    type_over(driver, '"same"', '"valid"')
    until(driver, lambda: cell(driver, 0, 4) == "(30, 30, 64)", "the edited shape")
    assert cell(driver, 2, 4) == "(15, 15, 64)"
    assert "(edited)" in driver.find_element(By.ID, "status").text
    shoot(driver, screenshots, "serve-edit.png")

    # Break it: a pool larger than the maps; the error names the layer, fixes become buttons.
    type_over(driver, '"pool_size": 2', '"pool_size": 64')
    error = driver.find_element(By.ID, "error")
    until(driver, lambda: error.is_displayed() and "layers[2]" in error.text, "the error line")
    assert driver.find_elements(By.CSS_SELECTOR, "#trace tr.refused")
    until(driver, lambda: driver.find_elements(By.CSS_SELECTOR, "button.fix"), "fixes")
    shoot(driver, screenshots, "serve-fix.png")
    click(driver, "button.fix", "the first fix")
    until(driver, lambda: not error.is_displayed(), "the fixed spec")
    assert json.loads(driver.find_element(By.ID, "editor").get_attribute("value"))["layers"]
    assert driver.find_element(By.ID, "undo").is_displayed()

    # Plan under a budget; a point opens its spec in the editor.
    driver.find_element(By.ID, "tab-plan").click()
    form = driver.find_element(By.ID, "plan-form")
    for name, value in (("max_params", "200k"), ("samples", "300")):
        form.find_element(By.NAME, name).send_keys(value)
    driver.find_element(By.ID, "plan-run").click()
    until(driver, lambda: driver.find_elements(By.CSS_SELECTOR, "#pareto-plot circle"), "a plot")
    assert "fit" in driver.find_element(By.ID, "plan-summary").text
    shoot(driver, screenshots, "serve-plan.png")
    click(driver, "button.chosen", "the first network chosen")
    until(driver, lambda: driver.find_element(By.ID, "panel-edit").is_displayed(), "the editor")
    name = driver.find_element(By.ID, "save-path").get_attribute("value")
    title = driver.find_element(By.ID, "title")
    until(driver, lambda: f"{title.text}.json" == name, "the chosen network's table")
    assert int(cell(driver, 0, 6).replace(",", "")) > 0

    # Compare the editor's network with the tutorial's.
    driver.find_element(By.ID, "tab-compare").click()
    select = driver.find_element(By.ID, "compare-b")
    select.find_element(By.CSS_SELECTOR, "option[value='tutorial-convnet.json']").click()
    driver.find_element(By.ID, "compare-run").click()
    until(driver, lambda: "★" in driver.find_element(By.ID, "compare").text, "the comparison")
    assert "631,658" in driver.find_element(By.ID, "compare").text
    shoot(driver, screenshots, "serve-compare.png")

    # Save it under its own name; saving over the tutorial is refused until confirmed.
    driver.find_element(By.ID, "tab-edit").click()
    driver.find_element(By.ID, "save").click()
    until(driver, lambda: (folder / name).exists(), "the saved file")
    assert json.loads((folder / name).read_text(encoding="utf-8"))["layers"]
    save_path = driver.find_element(By.ID, "save-path")
    save_path.send_keys(Keys.CONTROL, "a")
    save_path.send_keys("tutorial-convnet.json")
    before = (folder / "tutorial-convnet.json").read_text(encoding="utf-8")
    driver.find_element(By.ID, "save").click()
    banner = driver.find_element(By.ID, "banner")
    until(driver, lambda: "never overwrites" in banner.text, "the refusal to overwrite")
    assert (folder / "tutorial-convnet.json").read_text(encoding="utf-8") == before

    # Open the tutorial again; a change on disk reloads it (no edits in the editor).
    driver.find_element(By.CSS_SELECTOR, "#files option[value='tutorial-convnet.json']").click()
    driver.find_element(By.ID, "open").click()
    until(driver, lambda: cell(driver, 0, 4) == "(32, 32, 64)", "the tutorial again")
    data = json.loads(before)
    data["input"]["shape"] = [64, 64, 3]
    (folder / "tutorial-convnet.json").write_text(json.dumps(data, indent=2), encoding="utf-8")
    until(driver, lambda: cell(driver, 0, 4) == "(64, 64, 64)", "the reloaded file")
    assert "Reloaded tutorial-convnet.json" in banner.text

    # The layer form: change an argument, reorder, remove, add a layer and an argument.
    driver.find_element(By.ID, "view-form").click()
    cards = "#layer-form .layer-card"
    until(driver, lambda: len(driver.find_elements(By.CSS_SELECTOR, cards)) == 12, "the form")
    filters = driver.find_element(By.CSS_SELECTOR, f"{cards} input[data-argument='filters']")
    filters.send_keys(Keys.CONTROL, "a")
    filters.send_keys("8", Keys.ENTER)
    until(driver, lambda: cell(driver, 0, 6) == "224", "the first layer with 8 filters")
    pool = f"{cards}[data-index='2'] button[data-action='move up']"
    click(driver, pool, "move the pooling up")
    until(driver, lambda: "MaxPooling2D" in cell(driver, 1, 1), "the pooling moved up")
    assert cell(driver, 1, 4) == "(32, 32, 8)"
    click(driver, f"{cards}[data-index='1'] button[data-action='remove']", "remove it")
    until(driver, lambda: "MaxPooling2D" not in cell(driver, 1, 1), "the pooling removed")
    driver.find_element(By.CSS_SELECTOR, "#add-layer-type option[value='Dropout']").click()
    click(driver, "#add-layer", "add a Dropout layer")
    until(driver, lambda: "Dropout" in cell(driver, 11, 1), "the added layer")
    first = driver.find_element(By.CSS_SELECTOR, f"{cards}[data-index='0'] select.add-argument")
    first.find_element(By.CSS_SELECTOR, "option[value='strides']").click()
    strides = f"{cards}[data-index='0'] input[data-argument='strides']"
    until(driver, lambda: driver.find_elements(By.CSS_SELECTOR, strides), "the strides field")
    shoot(driver, screenshots, "serve-form.png")
    spec = json.loads(driver.find_element(By.ID, "editor").get_attribute("value"))
    assert spec["layers"][0]["filters"] == 8
    assert spec["layers"][0]["strides"] == [1, 1]
    assert spec["layers"][-1] == {"type": "Dropout", "rate": 0.25}
    assert len(spec["layers"]) == 12

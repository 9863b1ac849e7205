"""The dashboard in a real headless Chromium against a real gateway with real traffic.

Needs Debian's ``chromium`` and ``chromium-driver`` (``apt-get install -y chromium
chromium-driver``) and the ``selenium`` package; without them this test fails and says so.
"""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest

from lockgate.auth.scopes import Scope
from lockgate.example.server import create_app as example_app
from lockgate.store import audit
from tests.dashboard.helpers import KILL, SERVICE
from tests.support.gateway import manifest_dict, running_gateway
from tests.support.servers import serve, wait_until
from tests.support.upstream import ScriptedUpstream

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
INSTALL = "apt-get update && apt-get install -y chromium chromium-driver"
ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHAT = "/v1/chat/completions"
QUESTIONS = [
    "I want my money back for the broken blender",
    "i forgot my password and cannot log in",
    "please cancel my order before it ships",
    "where is my parcel, it was due yesterday",
]


def require_browser() -> None:
    """Fail, saying what to install, when Chromium, its driver or Selenium is missing."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        pytest.fail(f"{', '.join(missing)} not found: install them with `{INSTALL}`")
    try:
        import selenium  # noqa: F401
    except ImportError:
        pytest.fail("selenium is not installed: add selenium to the dev dependencies")


@contextmanager
def chrome(folder: Path) -> Iterator[Any]:
    """A headless Chromium driven by Selenium 4, its profile in ``folder``."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--window-size=1440,1900",
        f"--user-data-dir={folder / 'profile'}",
    ):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def send_traffic(url: str, token: str, count: int) -> None:
    """``count`` chat requests through the gateway."""
    auth = {"authorization": f"Bearer {token}"}
    with httpx.Client(base_url=url, headers=auth, timeout=10) as client:
        for index in range(count):
            body = {
                "model": SERVICE,
                "messages": [{"role": "user", "content": QUESTIONS[index % len(QUESTIONS)]}],
            }
            assert client.post(CHAT, json=body).status_code == 200


def save_screenshot(driver: Any, folder: Path, name: str) -> Path:
    """A PNG of the page's content (the whole of it, cut below the last panel) in the test's
    folder, copied to tests/artifacts/."""
    bottom = "return Math.ceil(document.querySelector('main').getBoundingClientRect().bottom)"
    clip = {
        "x": 0,
        "y": 0,
        "width": driver.execute_script("return document.documentElement.clientWidth"),
        "height": driver.execute_script(bottom) + 8,
        "scale": 1,
    }
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
    )
    path = folder / name
    path.write_bytes(base64.b64decode(shot["data"]))
    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(path, ARTIFACTS / name)
    return path


@pytest.mark.slow
def test_sign_in_see_versions_and_flip_the_kill_switch_in_chromium(tmp_path: Path) -> None:
    """A browser signs in, reads the version table, switches the service off with a reason and
    confirmation, and sees it on the page and in the audit log, with no console errors."""
    require_browser()
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ready
    from selenium.webdriver.support.ui import Select, WebDriverWait

    flaky = ScriptedUpstream(fail_next=6)  # the stable version fails its first six requests
    with serve(flaky) as stable, serve(example_app("v2", seed=1)) as other:
        data = manifest_dict({"v1": stable, "v2": other})
        data["fallback"] = {
            "chain": [
                {"action": "version", "version": "v2"},
                {"action": "static", "message": "Our assistant is resting; an agent will reply."},
            ]
        }
        with running_gateway(tmp_path, data) as gw, chrome(tmp_path) as driver:
            if httpx.get(f"{gw.url}/ui/login").status_code != 200:
                pytest.fail("the gateway does not serve /ui: dispatch it to create_dashboard")
            send_traffic(gw.url, gw.key(), 30)
            wait_until(lambda: gw.runtime.request_log.depth == 0, timeout=10)
            wait = WebDriverWait(driver, 15)

            driver.get(f"{gw.url}/ui")
            wait.until(ready.url_contains("/ui/login"))
            assert driver.find_element(By.TAG_NAME, "h1").text == "Sign in", driver.page_source
            driver.find_element(By.ID, "api_key").send_keys(
                gw.key(Scope.METRICS_READ, Scope.FLAGS_WRITE)
            )
            driver.find_element(By.CSS_SELECTOR, "button.primary").click()

            wait.until(
                ready.presence_of_element_located((By.CSS_SELECTOR, 'tr[data-version="v1"]'))
            )
            requests, fallbacks = 0, 0.0
            for version in driver.find_elements(By.CSS_SELECTOR, "tr[data-version]"):
                count = int(version.find_elements(By.TAG_NAME, "td")[0].text)
                requests += count
                if count:
                    share = version.find_element(By.CSS_SELECTOR, "td.fallback_rate .figure")
                    fallbacks += count * float(share.text.removesuffix(" %")) / 100
                    assert len(version.find_elements(By.CSS_SELECTOR, "svg.spark")) == 5
            assert requests == 30
            assert fallbacks == pytest.approx(6)  # the six failures were answered by v2

            row = f'tr[data-flag="{KILL}"]'
            driver.find_element(By.CSS_SELECTOR, f"{row} a.button").click()
            Select(wait.until(ready.presence_of_element_located((By.ID, "value")))).select_by_value(
                "false"
            )
            driver.find_element(By.ID, "reason").send_keys("INC-42: upstream returns garbage")
            driver.find_element(By.CSS_SELECTOR, "button.primary").click()

            confirm = wait.until(ready.element_to_be_clickable((By.ID, "confirm")))
            assert driver.find_element(By.CSS_SELECTOR, "code.old").text == "true"
            assert driver.find_element(By.CSS_SELECTOR, "code.new").text == "false"
            assert "INC-42" in driver.find_element(By.CSS_SELECTOR, "td.reason").text
            save_screenshot(driver, tmp_path, "dashboard-confirm.png")
            assert gw.runtime.flags.get(KILL).value is True  # nothing changed before confirming
            confirm.click()

            # The page refreshes itself: read elements afresh, tolerating a reload in between.
            settled = WebDriverWait(
                driver, 15, ignored_exceptions=(StaleElementReferenceException,)
            )
            settled.until(
                lambda d: (
                    "is not serving model answers"
                    in d.find_element(By.CSS_SELECTOR, ".banner.bad").text
                )
            )
            settled.until(
                lambda d: d.find_element(By.CSS_SELECTOR, f"{row} td.value").text == "false"
            )
            send_traffic(gw.url, gw.key(), 3)  # now answered by the static fallback
            wait_until(lambda: gw.runtime.request_log.depth == 0, timeout=10)
            driver.get(f"{gw.url}/ui")
            wait.until(
                ready.presence_of_element_located((By.CSS_SELECTOR, 'tr[data-version="v1"]'))
            )
            shot = save_screenshot(driver, tmp_path, "dashboard.png")
            assert shot.stat().st_size > 10_000

            problems = [
                entry
                for entry in driver.get_log("browser")
                if entry["level"] in {"SEVERE", "WARNING"}
            ]
            assert problems == []
        with gw.store.transaction() as session:
            changes = [r for r in audit.recent(session) if r.action == "flag.set"]
        assert [(r.target, r.reason) for r in changes] == [
            (f"flag:{KILL}", "INC-42: upstream returns garbage")
        ]

"""End to end: the real server on 127.0.0.1, driven by headless Chromium (Debian's chromium and
chromium-driver, through Selenium; nothing is downloaded).

A company pre-screens the demo dyeing project by clicking its site on the map, gets the fail verdict
with the 1,200 m3/d left of the wastewater cap, and asks a question; a member of staff logs in, finds it
in the queue with the screening, answers it with citations; the company's link shows the answer.
``REGIONAL_EIA_SCREENSHOTS=docs`` writes the screenshots of the form, the result and the queue there.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from pathlib import Path

import pytest

from .service_support import PASSWORD, add_user, make_client

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
SITE = (30.990, 118.822)  # lat, lon of the demo dyeing project (examples/xuancheng-dyeing-phase2-3.yaml)

webdriver = pytest.importorskip("selenium.webdriver", reason="needs selenium (the test extra)")
if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    pytest.skip("headless browser tests need Debian's chromium and chromium-driver (apt-get install chromium "
                "chromium-driver)", allow_module_level=True)

from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions as EC  # noqa: E402
from selenium.webdriver.support.ui import Select, WebDriverWait  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def server(settings, demo):
    """uvicorn serving the app on 127.0.0.1 in a thread of this process; its base URL."""
    import uvicorn

    from regional_eia.report.interactive import find_leaflet

    if find_leaflet() is None:
        pytest.skip("the map needs a local Leaflet (apt-get install libjs-leaflet)")
    with make_client(settings, demo) as client:  # migrate and make the staff account first
        add_user(client, "zhao", display_name="赵敏")
    from regional_eia.service import create_app

    port = _free_port()
    config = uvicorn.Config(create_app(settings, catalog=demo), host="127.0.0.1", port=port, log_level="warning",
                            lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=30)


@pytest.fixture
def browser(tmp_path):
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", f"--user-data-dir={tmp_path / 'chromium-profile'}",
                 "--window-size=1280,1600", "--lang=zh-CN"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=str(CHROMEDRIVER)), options=options)
    driver.set_page_load_timeout(60)
    yield driver
    driver.quit()


def _shot(driver, name: str) -> None:
    folder = os.environ.get("REGIONAL_EIA_SCREENSHOTS")
    if not folder:
        return
    height = driver.execute_script("return Math.ceil(document.body.getBoundingClientRect().height) + 20")
    driver.set_window_size(1280, min(max(height, 600), 4000))
    Path(folder).mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(Path(folder) / name))
    driver.set_window_size(1280, 1600)


def _type(driver, element_id: str, text: str) -> None:
    field = driver.find_element(By.ID, element_id)
    field.clear()
    field.send_keys(text)


def _mouse_on_site(browser, the_map) -> ActionChains:
    x, y = browser.execute_script("var p = window.prescreenMap.latLngToContainerPoint(arguments[0]);"
                                  "return [p.x, p.y];", list(SITE))
    size = the_map.size
    return ActionChains(browser).move_to_element_with_offset(the_map, round(x - size["width"] / 2),
                                                             round(y - size["height"] / 2))


def test_company_prescreens_asks_and_reads_the_answer(server, browser):
    wait = WebDriverWait(browser, 60)
    browser.get(server + "/")
    wait.until(lambda d: d.find_element(By.ID, "map").get_attribute("data-ready") == "1")
    _type(browser, "company", "宣城某纺织印染有限公司（演示）")
    _type(browser, "project_name", "宣城某纺织印染二、三期项目（演示）")
    _type(browser, "industry", "C1713")
    processes = Select(browser.find_element(By.ID, "processes"))
    for flag in ("pretreatment", "dyeing", "printing_conventional"):
        processes.select_by_value(flag)
    Select(browser.find_element(By.ID, "route")).select_by_value("indirect")
    _type(browser, "flow", "3000")
    _type(browser, "operating_days", "300")
    _type(browser, "eff_pollutant_0", "COD")
    _type(browser, "eff_value_0", "180")
    _type(browser, "eff_pollutant_1", "NH3-N")
    _type(browser, "eff_value_1", "8")

    # Zoom in on the site as a user would (double-clicks there), then click it: real mouse events where
    # Leaflet draws the project's lat/lon.
    the_map = browser.find_element(By.ID, "map")
    browser.execute_script("arguments[0].scrollIntoView({block: 'center'})", the_map)
    for _ in range(5):
        zoom = browser.execute_script("return window.prescreenMap.getZoom()")
        _mouse_on_site(browser, the_map).double_click().perform()
        WebDriverWait(browser, 10).until(
            lambda d, before=zoom: d.execute_script("return window.prescreenMap.getZoom()") > before
            and not d.execute_script("return window.prescreenMap._animatingZoom"))
    assert browser.execute_script("return window.prescreenMap.getZoom()") >= 12
    _mouse_on_site(browser, the_map).click().perform()
    lon = float(browser.find_element(By.ID, "lon").get_attribute("value"))
    lat = float(browser.find_element(By.ID, "lat").get_attribute("value"))
    assert abs(lon - SITE[1]) < 0.0005 and abs(lat - SITE[0]) < 0.0005  # within a pixel or two of the site
    assert Select(browser.find_element(By.ID, "crs")).first_selected_option.get_attribute("value") == "wgs84"
    browser.execute_script("window.scrollTo(0, 0)")
    _shot(browser, "service-form.png")

    browser.find_element(By.ID, "submit").click()
    verdict = wait.until(EC.presence_of_element_located((By.ID, "verdict")))
    assert verdict.get_attribute("data-verdict") == "fail"
    assert "1,200" in browser.page_source  # m3/d left of the wastewater cap
    result_url = browser.current_url
    _shot(browser, "service-result.png")

    assert Select(browser.find_element(By.ID, "topic")).first_selected_option.get_attribute("value") == "capacity"
    _type(browser, "contact_name", "王工")
    _type(browser, "contact_phone", "0563-1234567")
    _type(browser, "question", "园区废水总量只剩1,200立方米/日，二、三期项目如何才能进园？")
    browser.find_element(By.ID, "ask-submit").click()
    status = wait.until(EC.presence_of_element_located((By.ID, "status")))
    assert status.get_attribute("data-status") == "received"
    company_link = browser.current_url
    assert "/q/" in company_link

    browser.delete_all_cookies()  # the member of staff, on another browser session
    browser.get(server + "/staff")
    wait.until(EC.presence_of_element_located((By.ID, "login-form")))
    _type(browser, "username", "zhao")
    _type(browser, "password", PASSWORD)
    browser.find_element(By.ID, "login-submit").click()
    queue = wait.until(EC.presence_of_element_located((By.ID, "queue")))
    assert "二、三期项目如何才能进园" in queue.text and "总量控制与排污许可处" in queue.text
    _shot(browser, "service-queue.png")
    queue.find_element(By.PARTIAL_LINK_TEXT, "二、三期项目如何才能进园").click()
    wait.until(EC.presence_of_element_located((By.ID, "answer-form")))
    assert "CAPACITY_EXCEEDED" in browser.page_source
    _type(browser, "answer", "园区废水总量剩余1,200 m3/d；按60%回用率调整后，可申请预留容量。")
    browser.find_element(By.CSS_SELECTOR, "input[name=cite]").click()
    _type(browser, "citations", "宣城高新区规划环评审查意见（演示）")
    browser.find_element(By.ID, "answer-submit").click()
    wait.until(EC.presence_of_element_located((By.ID, "history")))
    assert "answered" in browser.find_element(By.ID, "history").text

    browser.delete_all_cookies()
    browser.get(company_link)
    answer = wait.until(EC.presence_of_element_located((By.ID, "answer")))
    assert "按60%回用率调整后，可申请预留容量" in answer.text
    assert "宣城高新区规划环评审查意见（演示）" in browser.find_element(By.ID, "citations").text
    assert browser.find_element(By.ID, "status").get_attribute("data-status") == "answered"
    browser.get(result_url)  # the result page still opens from its own link
    assert browser.find_element(By.ID, "verdict").get_attribute("data-verdict") == "fail"


def test_no_request_leaves_the_machine(server, browser):
    """The form page loads everything from this server (no CDN, no tiles)."""
    browser.get(server + "/")
    WebDriverWait(browser, 60).until(lambda d: d.find_element(By.ID, "map").get_attribute("data-ready") == "1")
    urls = browser.execute_script("return performance.getEntriesByType('resource').map(e => e.name)")
    assert urls and all(u.startswith(server) for u in urls), urls

"""The reading page in a real browser: Debian's Chromium driven by Playwright.

Skipped cleanly where Playwright or a Chromium binary is absent (`.ci/run` installs both
where it can: `apt-get install chromium`, `pip install playwright`)."""

import shutil
import socket
import threading
import time

import pytest

playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="no Chromium binary on this machine")

ARTICLE = ("Kremlin denies shelling of the plant\n\nThe ministry said 14 drones were shot down overnight. "
           "Residents said the blasts went on until dawn.")


@pytest.fixture(scope="module")
def server_url(tiny_run):
    import uvicorn

    from model.serving.app import create_app
    from model.tagger import Tagger

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(create_app(Tagger.load(tiny_run)), host="127.0.0.1", port=port,
                                           log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_paste_tag_hover_legend_and_filter(server_url, tmp_path):
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page()
        external = []
        page.on("request", lambda r: external.append(r.url) if not r.url.startswith(server_url) else None)
        page.goto(server_url + "/")
        page.fill("#text", ARTICLE)
        page.click("#go")
        page.wait_for_selector("#article .s")
        spans = page.query_selector_all("#article .s")
        assert [s.inner_text() for s in spans] == [
            "Kremlin denies shelling of the plant", "The ministry said 14 drones were shot down overnight.",
            "Residents said the blasts went on until dawn."]
        # the hover text carries the label and its confidence
        label = spans[1].get_attribute("data-label")
        assert spans[1].get_attribute("title").startswith(label + " 0.")
        counts = sum(int(page.inner_text(f"#count-{name}")) for name in
                     ("official_claim", "denial", "unverified_report", "rhetoric", "other"))
        assert counts == 3
        # filter to one label: the others are dimmed
        page.check(f'input[name="only"][value="{label}"]')
        dimmed = [s.get_attribute("class") for s in page.query_selector_all("#article .s")]
        assert all(("dim" in c) != (label in c.split()) for c in dimmed)
        page.screenshot(path=str(tmp_path / "page.png"))
        browser.close()
    assert external == []

"""Screenshots of every wizard page, in English and Chinese, for the docs: ``python tests/screenshots/take.py OUTDIR``.

Not a test. It draws the real wizard on a real X server (its own Xvfb unless DISPLAY is set; Qt's xcb platform,
so fonts-wqy-microhei renders the Chinese) against a real local agent, two SeaweedFS stores, a fault proxy in
front of the destination that refuses a few keys, and a private Secret Service for the keyring. For each
language it walks from the start page to a running migration and saves ``<lang>-<nn>-<page>.png`` into OUTDIR;
the run page is taken mid-migration (a QPS limit keeps the task running) with some rate history in the chart and
the refused keys in the failures table. Then semi-managed mode: real OpenSSH servers on 127.0.0.2 (the master) and
127.0.0.3 (a worker), the agent bundle deployed to them over SSH, the host key confirmed in the wizard's dialog,
and the run page with the worker's row. Everything it started is stopped at the end, also after an error.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import select
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS))                      # the tests' servers package
sys.path.insert(1, str(TESTS.parent))               # the wizard package, when it is not installed

LANGS = ("en", "zh_CN")
WINDOW = (1000, 900)                                 # the run page's chart needs the height (see --size)
SCREEN = "1280x900x24"
SRC_ID, SRC_SECRET = "srckey-0001", "srcsecret-VERYSECRET-0001"
DST_ID, DST_SECRET = "dstkey-0002", "dstsecret-VERYSECRET-0002"
SOURCE_BUCKET, DEST_BUCKET = "photos-archive", "photos-backup"
SMALL, LARGE = 3000, 4                               # small photos, 8 MiB clips
FORBIDDEN = ["photos/2023/IMG_0012.jpg", "photos/2023/IMG_0047.jpg", "photos/2023/IMG_0103.jpg",
             "photos/2023/IMG_0158.jpg", "photos/2023/IMG_0246.jpg"]
QPS = 50                                             # 3,000 files take about a minute: still running when taken
RUN_HISTORY = 15.0                                   # seconds of chart history on the run page

T0 = time.monotonic()


class Terminated(Exception):
    """SIGTERM arrived: unwind like an error, so everything started is stopped."""


_TERM = {"asked": False, "gui": False}   # in the GUI phase the handler only marks it: the waits raise


def _on_sigterm(_signum: int, _frame: Any) -> None:
    if _TERM["asked"]:   # once: a second SIGTERM must not cut the teardown short
        return
    _TERM["asked"] = True
    if not _TERM["gui"]:   # raising inside a Qt slot would be swallowed; outside it unwinds at once
        raise Terminated("SIGTERM")


def say(text: str) -> None:
    print(f"[{time.monotonic() - T0:6.1f} s] {text}", flush=True)


def warn(text: str) -> None:
    print(f"WARNING: {text}", file=sys.stderr, flush=True)


# -- the X server ------------------------------------------------------------------------------------------------
def start_xvfb(stack: contextlib.ExitStack, log: Path) -> str:
    """An Xvfb on a display number it picks itself (-displayfd); stopped when ``stack`` closes."""
    if shutil.which("Xvfb") is None:
        raise SystemExit("Xvfb is not installed: run `make setup-test` (Debian package xvfb)")
    read_end, write_end = os.pipe()
    with open(log, "ab") as out:
        proc = subprocess.Popen(["Xvfb", "-displayfd", str(write_end), "-screen", "0", SCREEN, "-nolisten", "tcp"],
                                pass_fds=(write_end,), stdin=subprocess.DEVNULL, stdout=out, stderr=out,
                                start_new_session=True)
    os.close(write_end)
    stack.callback(stop_process, proc, "Xvfb")
    number = b""
    deadline = time.monotonic() + 20
    with os.fdopen(read_end, "rb", buffering=0) as pipe:
        while not number.endswith(b"\n") and time.monotonic() < deadline:
            ready, _, _ = select.select([pipe], [], [], 0.5)
            if ready:
                chunk = pipe.read(16)
                if not chunk:
                    break
                number += chunk
    if not number.strip():
        raise RuntimeError(f"Xvfb did not start: {log.read_text(errors='replace')[-1000:]}")
    return f":{number.decode().strip()}"


def stop_process(proc: subprocess.Popen[Any], name: str) -> None:
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        warn(f"{name} did not stop on SIGTERM; killing it")
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


# -- data --------------------------------------------------------------------------------------------------------
def fill_source(server: Any) -> None:
    """A photo archive: 3,000 small JPEG-sized files, then (listed last) a few 8 MiB clips; and last year's logs."""
    client = server.client()
    client.create_bucket(Bucket=SOURCE_BUCKET)
    client.create_bucket(Bucket="logs-2023")
    rng = random.Random(2024)
    objects: list[tuple[str, str, bytes]] = []
    for i in range(SMALL):
        objects.append((SOURCE_BUCKET, f"photos/2023/IMG_{i:04d}.jpg", rng.randbytes(rng.randint(4_000, 60_000))))
    for i in range(LARGE):
        objects.append((SOURCE_BUCKET, f"videos/2023/clip_{i + 1:02d}.mp4", rng.randbytes(8 * 1024 * 1024)))
    for i in range(120):
        objects.append(("logs-2023", f"app/2023-{i // 10 + 1:02d}-{i % 10 + 1:02d}.log.gz",
                        rng.randbytes(rng.randint(1_000, 20_000))))

    def put(item: tuple[str, str, bytes]) -> None:
        client.put_object(Bucket=item[0], Key=item[1], Body=item[2])
    with ThreadPoolExecutor(16) as pool:
        list(pool.map(put, objects))


def empty_bucket(server: Any, bucket: str) -> None:
    client = server.client()
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket):
        keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
        if keys:
            client.delete_objects(Bucket=bucket, Delete={"Objects": keys, "Quiet": True})


def side(endpoint: str, bucket: str, creds: str) -> str:
    return f'kind = "s3"\nendpoint = "{endpoint}"\nregion = "us-east-1"\nbucket = "{bucket}"\ncredentials = "{creds}"\n'


async def finished_task(agent: Any, source: str, dest: str) -> None:
    """An earlier migration, completed, so the start page's task list is not empty."""
    text = (f'name = "logs-2023"\n[source]\n{side(source, "logs-2023", "env:SRC")}'
            f'[destination]\n{side(dest, "logs-2023", "env:DST")}[options]\nsame_name = "skip-identical"\n')
    async with agent.client() as client:
        task = await client.create_task(text)
        snap = await client.wait(task["id"], timeout=120)
        if snap["state"] != "completed":
            raise RuntimeError(f"the earlier task ended {snap['state']}")


# -- the GUI -----------------------------------------------------------------------------------------------------
class Driver:
    """qasync's loop driven from here: waits poll a condition with asyncio running (aiohttp needs it)."""

    def __init__(self, app: Any, loop: asyncio.AbstractEventLoop, outdir: Path, size: tuple[int, int]) -> None:
        self.app, self.loop, self.outdir, self.size = app, loop, outdir, size
        self.saved: list[Path] = []

    def settle(self, seconds: float = 0.5) -> None:
        self.until(lambda: False, "nothing", seconds, quiet=True)

    def until(self, condition: Callable[[], Any], what: str | Callable[[], str], timeout: float = 30,
              quiet: bool = False) -> None:
        async def poll() -> None:
            while not condition():
                if _TERM["asked"]:
                    raise Terminated("SIGTERM")
                await asyncio.sleep(0.05)
        try:
            self.loop.run_until_complete(asyncio.wait_for(poll(), timeout))
        except TimeoutError:
            if quiet:
                return
            raise RuntimeError(f"timed out after {timeout:.0f} s waiting for "
                               f"{what() if callable(what) else what}") from None

    def call(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def shoot(self, wizard: Any, name: str) -> None:
        self.settle(0.6)
        wizard.repaint()
        self.app.processEvents()
        path = self.outdir / f"{name}.png"
        image = wizard.grab()
        if image.isNull() or not image.save(str(path)):
            raise RuntimeError(f"could not save {path}")
        self.saved.append(path)
        say(f"saved {path} ({image.width()}x{image.height()})")


def fill_s3(page: Any, endpoint: str, bucket: str, key_id: str, secret: str) -> None:
    page.kind.setCurrentIndex(page.kind.findData("s3"))
    page.region.setCurrentText("us-east-1")
    page.endpoint.setText(endpoint)
    page.bucket.setText(bucket)
    page.key_id.setText(key_id)
    page.secret.setText(secret)


def walk(driver: Driver, lang: str, source: str, proxy: str) -> None:
    """One language: every page from the start page to a running migration."""

    from wizard.gui.wizard import DESTINATION, MODE, OPTIONS, REVIEW, RUN, SOURCE

    link, wizard, translations = open_wizard(driver, lang)
    task_id = ""
    try:
        start = wizard.start_page
        driver.until(lambda: start.model.rowCount() >= 1 and not start.status.text(), "the task list")
        driver.shoot(wizard, f"{lang}-01-start")

        start.new.click()
        driver.until(lambda: wizard.currentId() == MODE, "the mode page")
        mode = wizard.mode_page
        mode.remote.setChecked(True)
        mode.host.setText("203.0.113.24")
        mode.port.setValue(22)
        mode.user.setText("root")
        mode.key_file.setText("/home/ops/.ssh/id_ed25519")
        mode.master_ip.setText("172.16.0.94")
        mode.workers.setPlainText("172.16.0.95\n172.16.0.96\n172.16.0.97")
        driver.shoot(wizard, f"{lang}-04-mode")
        mode.local.setChecked(True)
        wizard.next()
        driver.until(lambda: wizard.currentId() == SOURCE, "the source page")
        src = wizard.source_page
        # The picture: the usual source, an OSS bucket read over the internal endpoint (nothing is called).
        src.kind.setCurrentIndex(src.kind.findData("oss"))
        src.region.setCurrentText("cn-hangzhou")
        src.internal.setChecked(True)
        src.bucket.setText(SOURCE_BUCKET)
        src.prefix.setText("photos/")
        src.key_id.setText("EXAMPLE-ACCESS-KEY-ID")
        src.secret.setText("example-secret-not-real-0001")
        driver.shoot(wizard, f"{lang}-02-source")
        # The walk: the same bucket on the local S3 server.
        src.internal.setChecked(False)
        fill_s3(src, source, SOURCE_BUCKET, SRC_ID, SRC_SECRET)
        src.prefix.clear()
        src.test.click()
        driver.until(lambda: src.result.text().startswith(("✔", "✘")), "the source connection test")
        if not src.result.text().startswith("✔"):
            raise RuntimeError(f"source connection test: {src.result.text()}")
        wizard.next()

        driver.until(lambda: wizard.currentId() == DESTINATION, "the destination page")
        dst = wizard.destination_page
        fill_s3(dst, proxy, DEST_BUCKET, DST_ID, DST_SECRET)
        dst.test.click()
        driver.until(lambda: dst.test.isEnabled() and dst.result.text().startswith(("✔", "✘")),
                     "the destination write test")
        if "✘" in dst.result.text():
            raise RuntimeError(f"destination write test: {dst.result.text()}")
        driver.shoot(wizard, f"{lang}-03-destination")
        wizard.next()


        driver.until(lambda: wizard.currentId() == OPTIONS, "the options page")
        options = wizard.options_page
        options.same_name.setCurrentIndex(options.same_name.findData("skip-identical"))
        options.qps.setValue(QPS)
        options.concurrency.setValue(16)
        options.exclude.setText("*/.thumbnails/*")
        driver.shoot(wizard, f"{lang}-05-options")
        wizard.next()

        driver.until(lambda: wizard.currentId() == REVIEW, "the review page")
        review = wizard.review_page
        review.name.setText("photos-archive")
        driver.until(lambda: review.checks.rowCount() >= 5, "the pre-flight checks", 60)
        review.forecast.seconds.setValue(5)
        review.forecast.found = None
        review.forecast.start.click()
        driver.until(lambda: review.forecast.found is not None, "the forecast with its trial copy", 120)
        driver.shoot(wizard, f"{lang}-06-review")
        wizard.next()

        driver.until(lambda: wizard.currentId() == RUN, "the run page", 60)
        entered = time.monotonic()
        run = wizard.run_page
        task_id = run.task_id

        def mid_run() -> bool:
            snap = run.snap
            if snap.get("state") in ("completed", "completed_with_failures", "failed", "cancelled"):
                raise RuntimeError(f"the task ended ({snap['state']}) before its picture: lower QPS")
            failed = snap.get("objects", {}).get("failed", 0)
            return (time.monotonic() - entered >= RUN_HISTORY and snap.get("state") == "running"
                    and failed >= len(FORBIDDEN) and run.model.rowCount() >= len(FORBIDDEN))
        driver.until(mid_run, lambda: f"the run page mid-migration with failures (state {run.snap.get('state')}, "
                     f"{run.snap.get('objects', {}).get('failed')} failed, {run.model.rowCount()} rows shown)", 90)
        driver.shoot(wizard, f"{lang}-07-run")
    finally:
        end_walk(driver, link, wizard, translations, task_id)


def open_wizard(driver: Driver, lang: str) -> tuple[Any, Any, Any]:
    """A new wizard window in ``lang``, with its own link to the agents: (link, wizard, translations)."""
    from PySide6.QtCore import Qt

    from wizard.gui.bridge import AgentLink
    from wizard.gui.i18n import Translations
    from wizard.gui.settings import Settings
    from wizard.gui.wizard import MigrationWizard

    translations = Translations(driver.app)
    if not translations.apply(lang):
        warn(f"no translation file for {lang} (wizard/resources/i18n/wizard_{lang}.qm; `make translations` builds it): "
             f"its screenshots show English")
    link = AgentLink()
    wizard = MigrationWizard(link, Settings.load(), translations)
    wizard.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose, True)
    wizard.resize(*driver.size)
    wizard.show()
    return link, wizard, translations


def end_walk(driver: Driver, link: Any, wizard: Any, translations: Any, task_id: str) -> None:
    """After a walk, also after an error: its task deleted (purged), the link and the window closed."""
    link.stop()
    if task_id:
        async def forget() -> None:
            client = await link.client()
            await client.delete_task(task_id, purge=True)
        try:
            driver.call(forget())
        except Exception as exc:  # the agent goes anyway at the end
            warn(f"could not delete task {task_id}: {exc!r}")
    driver.call(link.close())
    wizard.close()
    translations.apply("en")
    driver.app.processEvents()


def trust_host(driver: Driver, lang: str) -> None:
    """The host-key dialog of the first connection: its picture, then "Trust this server"."""
    from PySide6.QtWidgets import QApplication, QMessageBox

    def box() -> QMessageBox | None:
        return next((w for w in QApplication.topLevelWidgets() if isinstance(w, QMessageBox) and w.isVisible()
                     and w.objectName() == "confirm"), None)
    driver.until(lambda: box() is not None, "the host key dialog", 60)
    found = box()
    assert found is not None
    if not any(p.name == f"{lang}-08-semi-hostkey.png" for p in driver.saved):
        driver.shoot(found, f"{lang}-08-semi-hostkey")
    next(b for b in found.buttons() if b.text() in ("Trust this server", "信任此服务器")).click()


def walk_semi(driver: Driver, lang: str, env: dict[str, Any]) -> None:
    """Semi-managed mode: Test SSH connection (the host keys confirmed), deploy on Next, a task copied by the
    worker, the run page with its row."""

    from wizard.gui.wizard import MODE, OPTIONS, REVIEW, RUN, SOURCE
    from wizard.paths import config_dir

    (config_dir() / "known_hosts").unlink(missing_ok=True)      # each language meets the servers for the first time
    master, worker, key = env["ssh"]
    link, wizard, translations = open_wizard(driver, lang)
    task_id = ""
    try:
        wizard.start_page.new.click()
        driver.until(lambda: wizard.currentId() == MODE, "the mode page")
        mode = wizard.mode_page
        mode.remote.setChecked(True)
        mode.host.setText(master.host)
        mode.port.setValue(master.port)
        mode.user.setText(master.user)
        mode.key_file.setText(str(key))
        mode.master_ip.setText(master.host)
        mode.workers.setPlainText(f"{worker.host}:{worker.port}")
        mode.test.click()
        for _ in range(2):
            trust_host(driver, lang)
        driver.until(lambda: mode.hosts.text().count("✔") == 2, lambda: f"both servers tested: {mode.hosts.text()}",
                     90)
        mode.key_file.setText("~/.ssh/id_ed25519")      # the picture shows no folder of this machine
        driver.shoot(wizard, f"{lang}-09-semi-mode")
        mode.key_file.setText(str(key))
        wizard.next()
        driver.until(lambda: wizard.currentId() == SOURCE, lambda: f"the agents deployed ({mode.error.text()})", 300)
        fill_s3(wizard.source_page, env["source"].endpoint, SOURCE_BUCKET, SRC_ID, SRC_SECRET)
        wizard.next()
        fill_s3(wizard.destination_page, env["dest"].endpoint, DEST_BUCKET, DST_ID, DST_SECRET)
        wizard.next()
        driver.until(lambda: wizard.currentId() == OPTIONS, "the options page")
        wizard.options_page.qps.setValue(QPS)
        wizard.next()
        driver.until(lambda: wizard.currentId() == REVIEW, "the review page")
        review = wizard.review_page
        review.name.setText("photos-archive-cluster")
        driver.until(lambda: review.checks.rowCount() >= 5, "the pre-flight checks on the master", 60)
        wizard.next()
        driver.until(lambda: wizard.currentId() == RUN, "the run page", 60)
        run = wizard.run_page
        task_id = run.task_id
        entered = time.monotonic()
        run.worker_address.setText("172.16.0.96")
        driver.until(lambda: time.monotonic() - entered >= RUN_HISTORY and run.snap.get("state") == "running"
                     and run.workers.rowCount() >= 1, "the run page with the worker's row", 120)
        driver.shoot(wizard, f"{lang}-10-semi-run")
    finally:
        end_walk(driver, link, wizard, translations, task_id)


def cutover_task(env: dict[str, Any], lang: str) -> str:
    """A task taken through the cutover by the agent's API: the first copy, two delta passes over a source that
    changed between them, the timer settings, a file changed at the destination behind the agent's back and
    found by the final pass, and the retry that makes it ready for cutover. Returns its id."""
    agent, source, dest = env["agent"], env["source"], env["dest"]
    tag = lang.lower().replace("_", "-")
    src_bucket, dst_bucket = f"site-assets-{tag}", f"site-assets-copy-{tag}"
    rng = random.Random(7)
    client = source.client()
    client.create_bucket(Bucket=src_bucket)
    dest.client().create_bucket(Bucket=dst_bucket)
    for i in range(400):
        client.put_object(Bucket=src_bucket, Key=f"assets/img/{i:04d}.webp",
                          Body=rng.randbytes(rng.randint(2_000, 30_000)))
    text = (f'name = "site-assets-cutover"\n[source]\n{side(source.endpoint, src_bucket, "env:SRC")}'
            f'[destination]\n{side(dest.endpoint, dst_bucket, "env:DST")}')
    tid = agent.call("POST", "/v1/tasks", {"task": text}, expect=201)["id"]
    ended = ("completed", "completed_with_failures", "ready_for_cutover", "failed")
    agent.wait_for(tid, *ended)
    for changed, added in ((60, 25), (7, 2)):
        for i in rng.sample(range(400), changed):
            client.put_object(Bucket=src_bucket, Key=f"assets/img/{i:04d}.webp", Body=rng.randbytes(20_000))
        for _ in range(added):
            client.put_object(Bucket=src_bucket, Key=f"assets/new/{rng.randrange(10**6):06d}.webp",
                              Body=rng.randbytes(9_000))
        agent.call("POST", f"/v1/tasks/{tid}/incremental")
        agent.wait_for(tid, *ended)
    agent.call("PUT", f"/v1/tasks/{tid}/cutover", {"every": "30m", "small_objects": 20, "small_bytes": "10MiB"})
    dest.client().put_object(Bucket=dst_bucket, Key="assets/img/0042.webp", Body=b"edited by hand")
    agent.call("POST", f"/v1/tasks/{tid}/final-pass", {"writes_stopped": True})
    agent.wait_for(tid, *ended)
    agent.call("POST", f"/v1/tasks/{tid}/retry-failed", {})
    if agent.wait_for(tid, *ended)["state"] != "ready_for_cutover":
        raise RuntimeError("the cutover task did not end ready for cutover")
    return str(tid)


def walk_cutover(driver: Driver, lang: str, env: dict[str, Any], work: Path) -> None:
    """The run page's cutover tab after the passes, and the verification report the wizard saves and opens."""
    from PySide6.QtWidgets import QTextBrowser

    task_id = cutover_task(env, lang)
    link, wizard, translations = open_wizard(driver, lang)
    try:
        wizard.start_page.open_task(task_id)
        run = wizard.run_page
        driver.until(lambda: run.snap.get("state") == "ready_for_cutover" and run.cutover.table.rowCount() == 4,
                     "the cutover tab with four passes")
        run.tabs.setCurrentWidget(run.cutover)
        driver.shoot(wizard, f"{lang}-11-cutover")
        folder = work / f"reports-{lang}"
        folder.mkdir()
        run.save_report_to(str(folder), open_it=False)
        driver.until(lambda: any(folder.iterdir()) and "report.html" in run.message.text(), "the saved report", 60)
        report = next(folder.iterdir()) / "report.html"
        view = QTextBrowser()
        view.setHtml(report.read_text(encoding="utf-8"))
        view.resize(*driver.size)
        view.show()
        driver.shoot(view, f"{lang}-12-report")
        view.close()
    finally:
        end_walk(driver, link, wizard, translations, task_id)


@contextlib.contextmanager
def ssh_servers(work: Path) -> Iterator[tuple[Any, Any, Path]]:
    """The agent bundle built, a master and a worker sshd with their own homes; what started there is stopped."""
    from servers.sshd import ssh_hosts

    dist = work / "agent-dist"
    say("building the agent bundle (packaging/build.py agent)")
    subprocess.run([sys.executable, str(TESTS.parent / "packaging" / "build.py"), "agent"], check=True,
                   env=dict(os.environ, PACKAGING_DIST=str(dist), PACKAGING_WORK=str(work / "agent-work")),
                   stdout=subprocess.DEVNULL)
    os.environ["MIGRATION_WIZARD_AGENT_BUNDLES"] = str(dist)
    with ssh_hosts(work / "ssh", ["127.0.0.2", "127.0.0.3"]) as ((master, worker), key):
        say(f"sshd on {master.host}:{master.port} (master) and {worker.host}:{worker.port} (worker)")
        yield master, worker, key


# -- all of it ---------------------------------------------------------------------------------------------------
@contextlib.contextmanager
def environment(work: Path) -> Iterator[dict[str, Any]]:
    """Xvfb, the Secret Service, two SeaweedFS servers, the fault proxy and the agent; stopped in reverse."""
    with contextlib.ExitStack() as stack:
        if os.environ.get("DISPLAY"):
            say(f"using DISPLAY={os.environ['DISPLAY']}")
        else:
            os.environ["DISPLAY"] = start_xvfb(stack, work / "xvfb.log")
            say(f"Xvfb on {os.environ['DISPLAY']}")
        os.environ["QT_QPA_PLATFORM"] = "xcb"
        home = work / "home"
        os.environ["MIGRATION_WIZARD_HOME"] = str(home)

        import keyring
        from keyring.backends import SecretService as secret_service_backend
        from servers.agent_service import AgentProcess
        from servers.faultproxy import FaultProxy
        from servers.seaweed import SeaweedS3
        from servers.secret_service import SecretService

        secrets = SecretService(work / "secret-service")
        stack.callback(secrets.stop)
        secrets.start()
        os.environ["DBUS_SESSION_BUS_ADDRESS"] = secrets.bus_address
        os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.SecretService.Keyring"
        keyring.set_keyring(secret_service_backend.Keyring())
        say("Secret Service on a private bus")

        source = SeaweedS3(work / "weed-src", access_key=SRC_ID, secret_key=SRC_SECRET)
        dest = SeaweedS3(work / "weed-dst", access_key=DST_ID, secret_key=DST_SECRET)
        for server in (source, dest):
            stack.callback(server.stop)
            server.start()
        proxy = FaultProxy(dest.endpoint).start()
        stack.callback(proxy.stop)
        say(f"SeaweedFS {source.endpoint} and {dest.endpoint}, fault proxy {proxy.url}")

        env = dict(os.environ, SRC_ACCESS_KEY_ID=SRC_ID, SRC_SECRET_ACCESS_KEY=SRC_SECRET,
                   DST_ACCESS_KEY_ID=DST_ID, DST_SECRET_ACCESS_KEY=DST_SECRET)
        agent = AgentProcess(env, home)
        stack.callback(stop_agent, agent)
        agent.start()
        say(f"agent on {agent.url}")
        yield {"agent": agent, "source": source, "dest": dest, "proxy": proxy}


def stop_agent(agent: Any) -> None:
    if agent.proc is None or agent.proc.poll() is not None:
        return
    try:
        agent.stop()
    except Exception:  # it did not stop on SIGTERM in time
        agent.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("outdir", type=Path, help="where the PNG files go (created if missing)")
    parser.add_argument("--size", default=f"{WINDOW[0]}x{WINDOW[1]}", help="window size, WIDTHxHEIGHT "
                        "(default %(default)s; the screen is " + SCREEN.rsplit("x", 1)[0] + ")")
    parser.add_argument("--lang", choices=LANGS, action="append", help="only this language (repeatable)")
    args = parser.parse_args(argv)
    width, _, height = args.size.lower().partition("x")
    if not (width.isdigit() and height.isdigit() and int(width) > 0 and int(height) > 0):
        parser.error(f"--size: expected WIDTHxHEIGHT, got {args.size!r}")
    size = (int(width), int(height))
    langs = tuple(args.lang or LANGS)
    outdir: Path = args.outdir.resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    # SIGTERM (a killed make, a CI timeout) unwinds like an error, so the servers and Xvfb are stopped too.
    signal.signal(signal.SIGTERM, _on_sigterm)
    work = Path(tempfile.mkdtemp(prefix="wizard-shots-"))
    try:
        with environment(work) as env:
            say("filling the source bucket")
            fill_source(env["source"])
            for bucket in (DEST_BUCKET, "logs-2023"):
                env["dest"].client().create_bucket(Bucket=bucket)
            asyncio.run(finished_task(env["agent"], env["source"].endpoint, env["dest"].endpoint))
            say("source filled, an earlier task completed")
            from wizard.prices import save_prices
            # Example prices for the picture (the program has none built in; an operator types their own).
            save_prices({"currency": "CNY", "get_per_10k": 0.01, "put_per_10k": 0.01, "list_per_10k": 0.01,
                         "source_traffic_per_gib": 0.5})
            env["proxy"].rules.forbidden.update(FORBIDDEN)
            with ssh_servers(work) as ssh:
                env["ssh"] = ssh
                env["work"] = work
                return shoot_all(outdir, env, size, langs)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def shoot_all(outdir: Path, env: dict[str, Any], size: tuple[int, int], langs: tuple[str, ...]) -> int:
    import qasync
    from PySide6.QtGui import QFont, QFontDatabase
    from PySide6.QtWidgets import QApplication

    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication([sys.argv[0]])
    app.setApplicationName("Migration Wizard")
    app.setQuitOnLastWindowClosed(False)   # each language's window closes; the loop must go on
    if not any("Micro Hei" in family for family in QFontDatabase.families()):
        warn("fonts-wqy-microhei is not installed: Chinese text may show as boxes")
    say(f"Qt platform {app.platformName()}, font {QFont().family()}")
    loop = qasync.QEventLoop(app)
    asyncio.set_event_loop(loop)
    driver = Driver(app, loop, outdir, size)
    _TERM["gui"] = True
    try:
        for lang in langs:
            say(f"walking the wizard in {lang}")
            walk(driver, lang, env["source"].endpoint, env["proxy"].url)
            empty_bucket(env["dest"], DEST_BUCKET)
            say(f"semi-managed mode in {lang}")
            walk_semi(driver, lang, env)
            empty_bucket(env["dest"], DEST_BUCKET)
            say(f"cutover and the verification report in {lang}")
            walk_cutover(driver, lang, env, env["work"])
    finally:
        _TERM["gui"] = False
        loop.close()
        asyncio.set_event_loop(None)
    say(f"{len(driver.saved)} screenshots in {outdir}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Terminated:
        warn("terminated: everything started was stopped")
        sys.exit(128 + signal.SIGTERM)

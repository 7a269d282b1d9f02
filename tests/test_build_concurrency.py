"""Builds that race or die: two at once, and a build killed at any moment, never break the served build."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from kg.build import build, needs_build
from kg.config import PROJECT_ROOT, Paths
from kg.store import store_opens

DATA = Path(__file__).parent / "data"


@pytest.fixture
def paths(tmp_path: Path) -> Paths:
    shutil.copytree(DATA / "valid", tmp_path / "seeds")
    return Paths(seeds=tmp_path / "seeds", ontology=PROJECT_ROOT / "ontology", var=tmp_path / "var")


def cli(paths: Paths, *args: str) -> list[str]:
    return [sys.executable, "-m", "kg.cli", *args, "--seeds", str(paths.seeds), "--var", str(paths.var)]


def assert_current_build_is_complete(paths: Paths) -> dict[str, object]:
    """var/current names a finished build: its store opens and its dumps are those its manifest lists."""
    manifest = json.loads(paths.manifest.read_text())
    assert paths.current.resolve().name == manifest["id"]
    assert store_opens(paths.store)
    for name, digest in manifest["dumps"].items():
        assert hashlib.sha256((paths.dumps / name).read_bytes()).hexdigest() == digest, name
    return manifest


def test_two_builds_started_together_one_builds_the_other_is_told(paths: Paths) -> None:
    for _ in range(3):
        procs = [subprocess.Popen(cli(paths, "build", "-q"), stderr=subprocess.PIPE, text=True) for _ in range(2)]
        results = [(p.returncode, p.communicate(timeout=300)[1]) for p in procs]
        results = [(p.returncode, stderr) for p, (_, stderr) in zip(procs, results, strict=True)]
        codes = sorted(code for code, _ in results)
        assert codes in ([0, 0], [0, 2]), results
        for code, stderr in results:
            assert "Traceback" not in stderr
            if code == 2:
                assert "another build is running (" in stderr
        assert_current_build_is_complete(paths)
        assert not needs_build(paths)


def test_a_build_killed_at_any_moment_leaves_the_last_good_build(paths: Paths) -> None:
    good = build(paths)
    annotations = paths.seeds / "annotations/doc1.yaml"
    annotations.write_text(annotations.read_text() + "\n# a change, so the next build does work\n")
    seen = set()
    for delay in (0.3, 1.0, 2.0, 3.0, 4.5, 6.0, 8.0):
        proc = subprocess.Popen(cli(paths, "build", "-q"), stderr=subprocess.DEVNULL, start_new_session=True)
        time.sleep(delay)
        os.killpg(proc.pid, signal.SIGKILL)  # the build and its pool's workers
        proc.wait()
        manifest = assert_current_build_is_complete(paths)
        seen.add(manifest["id"] == good["id"])
    final = build(paths)  # the next build cleans what the killed ones left and completes
    assert_current_build_is_complete(paths)
    assert sorted(p.name for p in paths.builds.iterdir())[-1] == final["id"]
    assert not any(p.name.startswith(".staging-") for p in paths.builds.iterdir())
    assert True in seen  # at least one kill came before the switch


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_with_bad_annotations_serves_the_last_good_build(paths: Paths) -> None:
    build(paths)
    annotations = paths.seeds / "annotations/doc1.yaml"
    annotations.write_text(annotations.read_text().replace("from 2014", "from 2099"))
    port = _free_port()
    proc = subprocess.Popen(
        [*cli(paths, "serve"), "--port", str(port)], stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    try:
        lines = []
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            line = proc.stderr.readline()  # type: ignore[union-attr]
            lines.append(line)
            if "http://" in line or not line:  # the line saying where it serves (it may be wrapped)
                break
        text = "".join(lines)
        assert "doc1.yaml" in text and "serving the last good build" in text, text
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/sparql?query=ASK%7B%7D", timeout=5) as r:
                    assert r.status == 200
                    break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError("the server did not answer")
    finally:
        proc.terminate()
        try:
            proc.communicate(timeout=60)
        except subprocess.TimeoutExpired:  # a loaded machine: stop it for good, leaving no process behind
            proc.kill()
            proc.communicate()


def test_serve_with_bad_annotations_and_no_good_build_exits_2(paths: Paths) -> None:
    annotations = paths.seeds / "annotations/doc1.yaml"
    annotations.write_text(annotations.read_text().replace("from 2014", "from 2099"))
    proc = subprocess.run(
        [*cli(paths, "serve"), "--port", str(_free_port())], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 2
    assert "doc1.yaml" in proc.stderr and "Traceback" not in proc.stderr

"""Many replicas: two app processes on one served folder and one catalog folder answer alike, and
switch to a new release together.

Each replica is the real app in its own process (as a second machine or container would run it,
sharing the data and catalog folders): nothing of a view lives in a replica, since the view is
the URL's query string, so a load balancer may send each request to either (no sticky sessions).
A load builds the new release's catalog before it swaps the served link, and every replica checks
the link before its next query, so both answer from the new release within a moment.
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from dashboard.store.loading import load
from tests.test_security import ROOT, Client, _free_port, _wait

pytestmark = pytest.mark.slow  # two served apps in subprocesses and two loads: the fast lane skips it

VIEW = "/api/v1/headlines?age_band=all&start=2025-01&end=2025-12&grain=month"


@pytest.fixture(scope="module")
def served(generated_data, tmp_path_factory) -> Path:
    """Return a served data folder holding one loaded release of the generated extracts."""
    path = tmp_path_factory.mktemp("replicas") / "parquet"
    load(generated_data, path)
    return path


@pytest.fixture(scope="module")
def replicas(served, tmp_path_factory):
    """Start two app processes on the same served folder and catalog folder; yield their clients."""
    logs, procs, clients = [], [], []
    folder = tmp_path_factory.mktemp("replica-logs")
    try:
        for i in range(2):
            port = _free_port()
            log = (folder / f"replica{i}.log").open("w")
            logs.append(log)
            procs.append(subprocess.Popen(
                [sys.executable, "-m", "dashboard", "serve", "--data", str(served), "--port", str(port)], cwd=ROOT,
                env={**os.environ, "MHFLOW_AUTH": "off"}, stdout=log, stderr=subprocess.STDOUT, text=True))
            clients.append(Client(f"http://127.0.0.1:{port}"))
        for proc, client in zip(procs, clients):
            _wait(proc, client.base)
        yield clients
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=10)
        for log in logs:
            log.close()


def answer(client: Client, path: str = VIEW) -> dict:
    status, _, body = client.request(path)
    assert status == 200, body[:300]
    return json.loads(body)


def test_two_replicas_give_the_same_answer_for_the_same_url(replicas):
    first, second = (answer(c) for c in replicas)
    assert first == second
    assert first["data_available"]
    # A view the replica has not seen answers alike too: nothing of it was stored on the first.
    other = VIEW.replace("age_band=all", "age_band=18-25").replace("grain=month", "grain=quarter")
    assert answer(replicas[1], other) == answer(replicas[0], other)


def test_every_replica_switches_to_a_new_release_together(replicas, served, generated_data, tmp_path):
    before = answer(replicas[0])
    # The next release: the same extracts with every other A&E attendance gone.
    new = tmp_path / "next"
    shutil.copytree(generated_data, new)
    for part in (new / "ae_attendances").glob("**/*.parquet"):
        source = generated_data / part.relative_to(new)
        duckdb.execute("COPY (SELECT * FROM read_parquet($src) WHERE hash(attendance_id) % 2 = 0) "
                       "TO $out (FORMAT parquet)", {"src": str(source), "out": str(part)})
    load(new, served)
    deadline = time.monotonic() + 30
    while True:
        answers = [answer(c) for c in replicas]
        if all(a != before for a in answers) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    assert answers[0] != before and answers[1] != before, "a replica still answers from the old release"
    assert answers[0] == answers[1]

"""Run the app under gunicorn exactly as the README says, and watch its workers' memory.

``gunicorn --workers N --threads 4 --bind 127.0.0.1:PORT dashboard.wsgi:server`` with
MHFLOW_DATA_DIR set, never --preload. The server runs in its own process group so
stopping it (SIGTERM, then SIGKILL after a grace period) takes every worker with it.
"""
from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def gunicorn_executable() -> str:
    """Return the gunicorn script of this Python (not a pyenv shim, which adds ~0.1 s to every start)."""
    beside = Path(sys.executable).parent / "gunicorn"
    return str(beside) if beside.exists() else (shutil.which("gunicorn") or "gunicorn")


def _children(pid: int) -> list[int]:
    """Return the child pids of `pid` (gunicorn's workers)."""
    kids: list[int] = []
    try:
        for task in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{task}/children") as fh:
                kids += [int(x) for x in fh.read().split()]
    except OSError:
        pass
    return kids


def cpu_seconds(pids: list[int]) -> float:
    """Return the CPU time (user + system) used so far by the given processes."""
    total, tick = 0.0, os.sysconf("SC_CLK_TCK")
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
        except (OSError, IndexError, ValueError):
            pass
    return total


def machine_cpu_seconds() -> float:
    """Return the CPU time used by the whole machine so far (all processes, every core)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    busy = sum(int(v) for i, v in enumerate(fields) if i not in (3, 4))  # all but idle and iowait
    return busy / os.sysconf("SC_CLK_TCK")


def cpu_snapshot(workers: list[int]) -> tuple[float, float, float]:
    """Return the CPU seconds used so far by `workers`, by this process and by the whole machine."""
    return cpu_seconds(workers), cpu_seconds([os.getpid()]), machine_cpu_seconds()


def cpu_since(before: tuple[float, float, float], workers: list[int]) -> list[float]:
    """Return the CPU seconds (workers, this process, machine) used since `before`, a cpu_snapshot."""
    return [after - earlier for after, earlier in zip(cpu_snapshot(workers), before)]


def _status_kb(pid: int, field: str) -> int | None:
    """Return a kB field (VmRSS, VmHWM) of /proc/<pid>/status, or None if the process is gone."""
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class Server:
    """A gunicorn process group serving the app on a free loopback port."""

    def __init__(self, data_dir: Path, workers: int, threads: int = 4, log_path: Path | None = None,
                 sample_every: float = 0.1, port: int | None = None) -> None:
        self.data_dir = Path(data_dir)
        self.workers = workers
        self.threads = threads
        self.port = port or free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.sample_every = sample_every
        self.proc: subprocess.Popen | None = None
        self.started_at = 0.0
        self.peak_rss_kb: dict[int, int] = {}
        self._stop_sampling = threading.Event()
        self._sampler: threading.Thread | None = None

    def command(self) -> list[str]:
        """Return the exact command line (as documented in the README)."""
        return [gunicorn_executable(), "--workers", str(self.workers), "--threads", str(self.threads),
                "--bind", f"127.0.0.1:{self.port}", "dashboard.wsgi:server"]

    def start(self) -> None:
        """Start gunicorn in a new process group and begin sampling worker memory."""
        env = {**os.environ, "MHFLOW_DATA_DIR": str(self.data_dir)}
        log = open(self.log_path, "wb") if self.log_path else subprocess.DEVNULL
        self.started_at = time.perf_counter()
        self.proc = subprocess.Popen(self.command(), cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        if log is not subprocess.DEVNULL:
            log.close()
        self._sampler = threading.Thread(target=self._sample, daemon=True)
        self._sampler.start()

    def worker_pids(self) -> list[int]:
        """Return the pids of the live gunicorn workers."""
        return _children(self.proc.pid) if self.proc else []

    def _sample(self) -> None:
        while not self._stop_sampling.is_set():
            for pid in self.worker_pids():
                rss = _status_kb(pid, "VmRSS")
                if rss is not None and rss > self.peak_rss_kb.get(pid, 0):
                    self.peak_rss_kb[pid] = rss
            self._stop_sampling.wait(self.sample_every)

    def read_high_water_marks(self) -> None:
        """Fold each worker's kernel-kept peak RSS (VmHWM) into the sampled peaks."""
        for pid in self.worker_pids():
            hwm = _status_kb(pid, "VmHWM")
            if hwm is not None and hwm > self.peak_rss_kb.get(pid, 0):
                self.peak_rss_kb[pid] = hwm

    def peak_worker_mb(self) -> float:
        """Return the largest peak RSS of any worker, in MB."""
        return max(self.peak_rss_kb.values(), default=0) / 1024

    def wait_until_serving(self, first_page: callable, timeout: float = 120.0) -> float:
        """Return seconds from process start until `first_page()` (a page fully served) succeeds.

        Polls GET / (bounded by `timeout`), then calls `first_page`, which must raise on failure.
        """
        deadline = self.started_at + timeout
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited with {self.proc.returncode}; see {self.log_path}")
            try:
                r = requests.get(self.base + "/", timeout=max(1.0, deadline - time.perf_counter()))
                if r.status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            if time.perf_counter() > deadline:
                raise TimeoutError(f"gunicorn did not serve / within {timeout:.0f} s")
            time.sleep(0.02)
        first_page()
        return time.perf_counter() - self.started_at

    def stop(self) -> None:
        """Stop the whole process group: SIGTERM, then SIGKILL after 10 s."""
        self._stop_sampling.set()
        if not self.proc:
            return
        try:
            self.read_high_water_marks()
        except Exception:  # noqa: BLE001 - never let accounting block the shutdown
            pass
        if self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                try:
                    os.killpg(self.proc.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
                self.proc.wait(timeout=10)
        # Workers left behind by a master that died first share its process group.
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self._sampler:
            self._sampler.join(timeout=2)

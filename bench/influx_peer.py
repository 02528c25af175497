"""A peer in the ingest benchmark: InfluxDB 1.x from Debian (`apt-get install influxdb`), started on a
loopback port with its data in a temporary folder, fed the same line protocol as Digital Factory's
/write (bench/wrk/lines.lua), single lines and batches, so both sides' req/s, readings/s, CPU per
request and bytes per stored point come from one run on one machine."""
from __future__ import annotations

import shutil
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

from bench.processes import stop_group

INFLUXD = shutil.which("influxd") or "/usr/bin/influxd"
CONFIG = """reporting-disabled = true
bind-address = "127.0.0.1:{rpc_port}"
[meta]
  dir = "{root}/meta"
[data]
  dir = "{root}/data"
  wal-dir = "{root}/wal"
  index-version = "inmem"
  cache-snapshot-write-cold-duration = "2s"
  compact-full-write-cold-duration = "4s"
[coordinator]
[retention]
  enabled = false
[monitor]
  store-enabled = false
[http]
  enabled = true
  bind-address = "127.0.0.1:{http_port}"
  auth-enabled = false
  log-enabled = false
  max-body-size = 0
[continuous_queries]
  enabled = false
"""
DATABASE = "bench"


def have_influxd() -> bool:
    """Whether InfluxDB's server is installed."""
    return Path(INFLUXD).exists()


class Influxd:
    """influxd with its data under `root`, answering on 127.0.0.1 (the shape bench.ingest.Server has,
    so its CPU meter measures this process as the server)."""

    def __init__(self, root: Path, http_port: int, rpc_port: int, log_path: str) -> None:
        self.root = root
        self.url = f"http://127.0.0.1:{http_port}"
        root.mkdir(parents=True, exist_ok=True)
        config = root / "influxdb.conf"
        config.write_text(CONFIG.format(root=root, http_port=http_port, rpc_port=rpc_port))
        self.log = open(log_path, "ab")
        self.process = subprocess.Popen([INFLUXD, "-config", str(config)], stdout=self.log, stderr=self.log,
                                        start_new_session=True)

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait for /ping, then create the database."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"influxd exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(self.url + "/ping", timeout=2) as response:
                    if response.status == 204:
                        break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError(f"influxd did not answer /ping within {timeout:.0f} s")
        body = urllib.parse.urlencode({"q": f'CREATE DATABASE "{DATABASE}"'}).encode()
        urllib.request.urlopen(urllib.request.Request(self.url + "/query", data=body), timeout=10).read()

    def worker_pids(self) -> list[int]:
        return []

    def disk_bytes(self) -> int:
        """Bytes of its data and write-ahead log on disk."""
        return sum(path.stat().st_size for part in ("data", "wal") for path in (self.root / part).rglob("*")
                   if path.is_file())

    def settle(self, seconds: float = 12.0) -> None:
        """Give it time to snapshot its cache and compact the shards (cold durations of CONFIG)."""
        time.sleep(seconds)

    def stop(self) -> None:
        stop_group(self.process)
        self.log.close()


WRITE_PATH = f"/write?db={DATABASE}&precision=ms"
"""The /write target both sides are sent (InfluxDB needs the database; ours ignores it)."""

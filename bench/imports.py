"""SSDA903 imports under load: the server's peak memory for an upload, and how long
another writer waits while a big import is written (issue 13).

    python -m bench.imports upload EXTRACT_DIR [--la Leeds]   # a real server, its peak RSS
    python -m bench.imports writer EXTRACT_DIR [--la Leeds]   # a second writer's longest wait

`upload` starts the API in a child process (uvicorn, a fresh SQLite file), posts the
extract's CSV files from disk and reads the server's resident memory before and its
peak (VmHWM) after. `writer` imports the extract as the API does, through a `WriteLock`
on a fresh SQLite file, while a thread makes one small audited write through the same
lock every 20 ms and records how long each waited for it.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import platform
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from bench.ports import free_port


def _status_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise KeyError(key)


_SERVER = """
import sys, uvicorn, store
from api import create_app
engine = store.make_engine(sys.argv[1])
uvicorn.run(create_app(engine), host="127.0.0.1", port=int(sys.argv[2]), log_level="warning")
"""


def _user(url: str, la: str) -> str:
    import store

    engine = store.make_engine(url)
    store.migrate(engine=engine)
    with store.transaction(engine) as s:
        _, token = store.create_user(s, "bench officer", "placement_officer", [la])
    engine.dispose()
    return token


def upload(extract: Path, la: str, as_of: str | None) -> dict[str, Any]:
    """Post the extract to a fresh server; its RSS before and peak after, in MB."""
    with tempfile.TemporaryDirectory() as scratch:
        url = f"sqlite:///{scratch}/bench.db"
        token = _user(url, la)
        port = free_port()
        server = subprocess.Popen([sys.executable, "-c", _SERVER, url, str(port)])
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(600):
                try:
                    httpx.get(base + "/health", timeout=1)
                    break
                except httpx.HTTPError:
                    time.sleep(0.1)
            before = _status_kb(server.pid, "VmRSS")
            paths = sorted(p for p in extract.iterdir() if p.suffix.lower() == ".csv")
            handles = [p.open("rb") for p in paths]
            files = [
                ("files", (p.name, h, "text/csv")) for p, h in zip(paths, handles, strict=True)
            ]
            data = {"la": la} | ({"as_of": as_of} if as_of else {})
            started = time.perf_counter()
            r = httpx.post(
                base + "/imports/ssda903",
                files=files,
                data=data,
                headers={"Authorization": f"Bearer {token}"},
                timeout=3600,
            )
            took = time.perf_counter() - started
            for h in handles:
                h.close()
            peak = _status_kb(server.pid, "VmHWM")
        finally:
            server.terminate()
            server.wait(30)
    body = r.json()
    return {
        "status": r.status_code,
        "created": body.get("created"),
        "seconds": round(took, 1),
        "rss_before_mb": before // 1024,
        "peak_rss_mb": peak // 1024,
        "upload_mb": round(sum(p.stat().st_size for p in paths) / 2**20, 1),
    }


def writer(extract: Path, la: str, as_of: str | None) -> dict[str, Any]:
    """Import through a WriteLock while a second writer writes every 20 ms."""
    from datetime import date

    import ssda903
    import store
    from api.auditlog import WriteLock
    from api.services import imports

    with tempfile.TemporaryDirectory() as scratch:
        engine = store.make_engine(f"sqlite:///{scratch}/bench.db")
        store.migrate(engine=engine)
        writes = WriteLock(engine)
        waits: list[float] = []
        held: list[float] = []
        done = threading.Event()

        def second_writer() -> None:
            while not done.is_set():
                asked = time.perf_counter()
                with writes.transaction(changes=False) as s:
                    waits.append(time.perf_counter() - asked)
                    store.record(s, None, "bench.write", [], "1")
                time.sleep(0.02)

        day = date.fromisoformat(as_of) if as_of else None
        started = time.perf_counter()
        imported = ssda903.import_extract(ssda903.read_extract(extract), la=la, as_of=day)
        checked = time.perf_counter()
        thread = threading.Thread(target=second_writer)
        thread.start()
        try:
            if hasattr(imports, "store_import"):
                from store.ssda903_chunks import import_in_chunks

                saved = import_in_chunks(
                    engine, imported, by=None, transaction_=lambda: _timed(writes, held)
                )
            else:  # before issue 13: one transaction
                from store.ssda903 import save_import

                with writes.transaction() as s:
                    saved = save_import(s, imported, by=None)
        finally:
            done.set()
            thread.join()
        ended = time.perf_counter()
        engine.dispose()
    waits.sort()
    return {
        "children": len(imported.children),
        "created": saved.run.created,
        "read_and_check_s": round(checked - started, 1),
        "store_s": round(ended - checked, 1),
        "writes_during_store": len(waits),
        "longest_wait_s": round(waits[-1], 3) if waits else None,
        "import_transactions": len(held),
        "longest_import_transaction_s": round(max(held), 3) if held else None,
        "longest_import_transactions": [
            (k, round(t, 3)) for k, t in sorted(enumerate(held), key=lambda kt: -kt[1])[:3]
        ],
        "p95_wait_s": round(waits[int(0.95 * (len(waits) - 1))], 3) if waits else None,
    }


@contextlib.contextmanager
def _timed(writes: Any, held: list[float]) -> Iterator[Any]:
    """The WriteLock's transaction, timed from the lock taken to the commit."""
    started = [0.0]
    with contextlib.ExitStack() as stack:
        stack.callback(lambda: held.append(time.perf_counter() - started[0]))  # after commit
        session = stack.enter_context(writes.transaction())
        started[0] = time.perf_counter()
        yield session


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("what", choices=("upload", "writer"))
    parser.add_argument("extract", type=Path)
    parser.add_argument("--la", default="Leeds")
    parser.add_argument("--as-of", default=None)
    args = parser.parse_args()
    run = upload if args.what == "upload" else writer
    result = run(args.extract, args.la, args.as_of)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print({"machine": machine, **result})


if __name__ == "__main__":
    main()

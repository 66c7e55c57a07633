"""The connectors' sync throughput against the loopback fake APIs: a full sync of a generated
company as of its last day of history, then the daily sync of the next day.

The fake HubSpot and Stripe run in a child process (their own interpreter, so the client is not
slowed by the servers' share of one lock); the connectors sync in this one, with their default
settings (pages of 100, the search's 10,000-result limit). Per sync: records written, requests
(retries included), wall time, records per second, and the CPU seconds of the client and of
the servers. Printed, and written to `data/bench/connectors-<scale>/report.json`.

Usage: python -m bench.connectors --scale M [--reuse-landing]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import shutil
import time
from datetime import date, timedelta
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.scales import SCALES
from dagster_project.connectors.hubspot import HubSpotConnector
from dagster_project.connectors.settings import SyncSettings
from dagster_project.connectors.stripe_billing import StripeConnector
from dagster_project.paths import warehouse_paths

HISTORY_END = date(2026, 9, 30)  # the generator's default last day of history
SEED = 42
TOKEN, KEY = "bench-hubspot-token", "rk_test_bench"


def serve_company(generated: Path, channel: Connection) -> None:
    """The child process: serve the company, the state of each day the parent asks for."""
    from generator.fake_apis.company import SERVED_TABLES, load_company
    from generator.fake_apis.hubspot import FakeHubSpot
    from generator.fake_apis.server import serve
    from generator.fake_apis.stripe_api import FakeStripe

    company = load_company(generated, HISTORY_END)
    nothing: dict[str, list[Any]] = {table: [] for table in SERVED_TABLES}  # until asked
    hubspot, stripe = FakeHubSpot(nothing), FakeStripe(nothing, HISTORY_END)
    # One API idles while the other's full sync runs (10 minutes at scale M on a busy machine):
    # longer than the fakes' default idle stop, which once stopped HubSpot before its daily sync.
    idle = 6 * 3600.0
    with serve(hubspot, idle) as hubspot_url, serve(stripe, idle) as stripe_url:
        channel.send((hubspot_url, stripe_url))
        while (message := channel.recv()) is not None:
            if isinstance(message, date):  # serve that day's state
                state = company.as_of(message)
                hubspot.load(state)
                stripe.load(state, message)
                hubspot.reset(TOKEN)
                stripe.reset(KEY)
            # The servers' CPU so far (their threads are this process's).
            channel.send(time.process_time())


def measure_sync(connector: HubSpotConnector | StripeConnector, day: date) -> dict[str, Any]:
    began, cpu = time.perf_counter(), time.process_time()
    written = connector.sync(day)
    seconds, cpu_seconds = time.perf_counter() - began, time.process_time() - cpu
    records = sum(written.values())
    return {
        "records": records,
        "requests": connector.requests,
        "seconds": round(seconds, 1),
        "records_per_second": round(records / seconds),
        "client_cpu_seconds": round(cpu_seconds, 1),
        "tables": written,
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="S")
    parser.add_argument("--reuse-landing", action="store_true")
    args = parser.parse_args(argv)
    scale = SCALES[args.scale]
    folder = warehouse_paths().data_dir / "bench" / f"connectors-{scale.name}"
    generated, landing = folder / "generated", folder / "landing"
    if not (args.reuse_landing and generated.exists()):
        from generator.cli import main as generate

        shutil.rmtree(generated, ignore_errors=True)
        began = time.perf_counter()
        size, seed = str(scale.size), str(SEED)
        generate(["--size", size, "--seed", seed, "--out", str(generated), "--days", "1"])
        print(f"generated in {time.perf_counter() - began:.0f} s")
    shutil.rmtree(landing, ignore_errors=True)

    parent, child = multiprocessing.get_context("spawn").Pipe()
    server = multiprocessing.get_context("spawn").Process(
        target=serve_company, args=(generated, child)
    )
    server.start()
    report: dict[str, Any] = {"scale": scale.name, "size": scale.size, "load": os.getloadavg()}
    try:
        hubspot_url, stripe_url = parent.recv()
        for label, day in (("full", HISTORY_END), ("daily", HISTORY_END + timedelta(days=1))):
            parent.send(day)
            server_cpu = parent.recv()
            settings = SyncSettings()
            report[label] = {}
            for system, connector in (
                ("HubSpot", HubSpotConnector(hubspot_url, TOKEN, landing, settings)),
                ("Stripe", StripeConnector(stripe_url, KEY, landing, settings)),
            ):
                result = measure_sync(connector, day)
                parent.send("cpu")
                result["server_cpu_seconds"] = round(parent.recv() - server_cpu, 1)
                server_cpu += result["server_cpu_seconds"]
                report[label][system] = result
                print(
                    f"{label:5} {system:7} {result['records']:>8,} records "
                    f"{result['requests']:>6,} requests {result['seconds']:>7} s "
                    f"{result['records_per_second']:>6,} records/s (CPU: client "
                    f"{result['client_cpu_seconds']} s, server {result['server_cpu_seconds']} s)",
                    flush=True,
                )
    finally:
        parent.send(None)
        server.join()
    report["load_after"] = os.getloadavg()
    (folder / "report.json").write_text(json.dumps(report, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()

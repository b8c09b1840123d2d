#!/usr/bin/env python3
"""End-to-end check: OTel Python SDK -> rotel (PyPI `rotel`) -> receiver.py.

Starts receiver.py, starts the rotel-agent binary in the foreground with its
OTLP exporter pointed at the receiver, waits until rotel's receiver ports
accept TCP connections, sends --count records with otel_sdk_sender.py, waits
until the receiver has them all, checks them, samples rotel's RSS from /proc
the whole time, then stops everything (SIGTERM) and prints one JSON summary.

    python3 rotel_forward_check.py --count 1000 \
        [--sender-protocol grpc|http] [--exporter-protocol grpc|http] \
        [--audit-events ../../examples/events/sample.ndjson] [--rotel PATH]

Exit 0 only if every record arrived intact. Needs requirements.txt installed
in the interpreter running this script (it runs the two helpers with the
same interpreter). Uses only 127.0.0.1 ports picked free by the kernel.
"""
from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def rotel_binary() -> str:
    """Path of the native collector binary shipped inside the `rotel` wheel."""
    import rotel  # noqa: PLC0415

    path = os.path.join(os.path.dirname(rotel.__file__), "rotel-agent")
    if not os.access(path, os.X_OK):
        raise SystemExit(f"rotel-agent not executable at {path}")
    return path


def free_ports(n: int) -> list[int]:
    """n distinct free loopback ports (all held open while choosing, so no duplicates)."""
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def tail(path: str, n: int = 15) -> list[str]:
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            return [ln.rstrip("\n")[:300] for ln in fh.readlines()[-n:]]
    except OSError:
        return []


def wait_port(port: int, proc: subprocess.Popen, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return True
        except OSError:
            time.sleep(0.005)
    return False


def read_status_kb(pid: int, key: str) -> int | None:
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(key + ":"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


class RssSampler(threading.Thread):
    def __init__(self, pid: int, every: float = 0.05):
        super().__init__(daemon=True)
        self.pid, self.every = pid, every
        self.peak_kb = 0
        self.samples: list[int] = []
        self.stop_evt = threading.Event()

    def run(self):
        while not self.stop_evt.is_set():
            kb = read_status_kb(self.pid, "VmRSS")
            if kb is None:
                break
            self.samples.append(kb)
            self.peak_kb = max(self.peak_kb, kb)
            self.stop_evt.wait(self.every)


def count_lines(path: str) -> int:
    try:
        with open(path, "rb") as fh:
            return sum(1 for _ in fh)
    except FileNotFoundError:
        return 0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rotel", help="rotel-agent binary (default: the one inside the installed `rotel` wheel)")
    ap.add_argument("--count", type=int, default=1000)
    ap.add_argument("--audit-events", help="NDJSON file for record bodies")
    ap.add_argument("--sender-protocol", choices=["grpc", "http"], default="grpc", help="SDK -> rotel")
    ap.add_argument("--exporter-protocol", choices=["grpc", "http"], default="grpc", help="rotel -> receiver")
    ap.add_argument("--exporter-compression", choices=["gzip", "none"], default="gzip")
    ap.add_argument("--logs-batch-max-size", type=int, default=512)
    ap.add_argument("--batch-timeout", default="200ms")
    ap.add_argument(
        "--batching",
        action="store_true",
        help="use rotel's batching (--logs-batch-max-size/--batch-timeout). Default is --disable-batching, "
        "because rotel 0.0.1-alpha10 corrupts split batches: the split-off part loses its Resource "
        "(service.name etc.) and a request larger than ~2x the batch size is dropped",
    )
    ap.add_argument("--rotel-arg", action="append", default=[], help="extra raw argument for rotel (repeatable)")
    ap.add_argument("--wait", type=float, default=60.0, help="seconds to wait for all records at the receiver")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs, received.ndjson)")
    args = ap.parse_args()

    rotel = args.rotel or rotel_binary()
    py = sys.executable
    work = tempfile.mkdtemp(prefix="rotel-interop-")
    recv_out = os.path.join(work, "received.ndjson")
    r_grpc, r_http, x_grpc, x_http = free_ports(4)
    procs: list[subprocess.Popen] = []
    summary: dict = {"workdir": work}
    ok = False
    sender_stderr = ""
    try:
        # 1. receiver
        recv = subprocess.Popen(
            [py, os.path.join(HERE, "receiver.py"), "--grpc", f"127.0.0.1:{r_grpc}",
             "--http", f"127.0.0.1:{r_http}", "--out", recv_out],
            stdout=subprocess.PIPE, stderr=open(os.path.join(work, "receiver.stderr"), "w"), text=True,
        )
        procs.append(recv)
        ready_line = recv.stdout.readline()
        if '"ready"' not in ready_line:
            raise RuntimeError(f"receiver did not start: {ready_line!r}")

        # 2. rotel, foreground (no --daemon), so it is our child and logs to stdout
        exporter_endpoint = (
            f"http://127.0.0.1:{r_grpc}" if args.exporter_protocol == "grpc" else f"http://127.0.0.1:{r_http}"
        )
        rotel_cmd = [
            rotel, "start",
            "--otlp-grpc-endpoint", f"127.0.0.1:{x_grpc}",
            "--otlp-http-endpoint", f"127.0.0.1:{x_http}",
            "--exporter", "otlp",
            "--otlp-exporter-endpoint", exporter_endpoint,
            "--otlp-exporter-protocol", args.exporter_protocol,
            "--otlp-exporter-compression", args.exporter_compression,
        ]
        if args.batching:
            rotel_cmd += ["--logs-batch-max-size", str(args.logs_batch_max_size), "--batch-timeout", args.batch_timeout]
        else:
            rotel_cmd.append("--disable-batching")
        rotel_cmd += args.rotel_arg
        summary["rotel_cmd"] = " ".join(rotel_cmd)
        env = dict(os.environ, NO_COLOR="1")
        t0 = time.monotonic()
        rotel_log = open(os.path.join(work, "rotel.log"), "w")
        rproc = subprocess.Popen(rotel_cmd, stdout=rotel_log, stderr=subprocess.STDOUT, env=env)
        procs.append(rproc)
        sampler = RssSampler(rproc.pid)
        sampler.start()
        port = x_grpc if args.sender_protocol == "grpc" else x_http
        if not (wait_port(x_grpc, rproc, 10) and wait_port(x_http, rproc, 10)):
            raise RuntimeError(f"rotel not ready (exit={rproc.poll()}), see {work}/rotel.log")
        summary["rotel_ready_ms"] = round((time.monotonic() - t0) * 1000, 1)
        # rotel binds its ports *before* validating the exporter config, then exits 1
        # (e.g. an endpoint without http://): make sure it is still alive a moment later.
        time.sleep(0.2)
        if rproc.poll() is not None:
            raise RuntimeError(f"rotel exited {rproc.returncode} right after binding, see {work}/rotel.log")
        summary["rotel_rss_idle_kb"] = read_status_kb(rproc.pid, "VmRSS")

        # 3. sender
        cmd = [py, os.path.join(HERE, "otel_sdk_sender.py"), "--endpoint", f"http://127.0.0.1:{port}",
               "--protocol", args.sender_protocol, "--count", str(args.count), "--service-name", "interop-rotel"]
        if args.audit_events:
            cmd += ["--audit-events", args.audit_events]
        sent = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
        sender_stderr = sent.stderr
        summary["sender"] = json.loads(sent.stdout.strip().splitlines()[-1]) if sent.stdout.strip() else None
        if sent.returncode != 0:
            raise RuntimeError(f"sender failed rc={sent.returncode}: {sent.stdout} {sent.stderr[-2000:]}")

        # 4. wait for the receiver
        t1 = time.monotonic()
        deadline = t1 + args.wait
        while count_lines(recv_out) < args.count and time.monotonic() < deadline:
            time.sleep(0.05)
        summary["forward_wait_ms"] = round((time.monotonic() - t1) * 1000, 1)

        # 5. verify
        records = [json.loads(ln) for ln in open(recv_out, encoding="utf-8")]
        summary["received"] = len(records)
        bodies = None
        if args.audit_events:
            bodies = [ln.rstrip("\r\n") for ln in open(args.audit_events, encoding="utf-8") if ln.strip()]
        seqs = sorted(r["attributes"].get("interop.seq") for r in records)
        problems = []
        if seqs != list(range(args.count)):
            problems.append(f"seq mismatch: {len(set(seqs))} distinct of {args.count}")
        kind = "audit" if bodies else "plain"
        for r in records:
            i = r["attributes"].get("interop.seq")
            want = bodies[i % len(bodies)] if bodies else f"interop message {i}"
            if r["body"] != want:
                problems.append(f"body mismatch at seq {i}")
            if r["attributes"].get("interop.kind") != kind:
                problems.append(f"kind mismatch at seq {i}")
            if r["service_name"] != "interop-rotel":
                problems.append(f"service.name mismatch at seq {i}")
            if len(problems) > 10:
                break
        summary["problems"] = problems
        summary["rotel_rss_peak_kb"] = sampler.peak_kb
        summary["rotel_vmhwm_kb"] = read_status_kb(rproc.pid, "VmHWM")
        ok = not problems and len(records) == args.count

        # 6. stop rotel (SIGTERM) and time its graceful exit
        t2 = time.monotonic()
        rproc.send_signal(signal.SIGTERM)
        try:
            summary["rotel_exit_code"] = rproc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            rproc.kill()
            summary["rotel_exit_code"] = "killed"
        summary["rotel_stop_ms"] = round((time.monotonic() - t2) * 1000, 1)
        sampler.stop_evt.set()
    except Exception as e:  # noqa: BLE001
        summary["error"] = str(e)
    finally:
        for p in reversed(procs):
            if p.poll() is None:
                p.terminate()
                try:
                    p.wait(timeout=5)
                except subprocess.TimeoutExpired:
                    p.kill()
        if ok and not args.keep:
            for name in os.listdir(work):
                os.unlink(os.path.join(work, name))
            os.rmdir(work)
            summary.pop("workdir")
    if not ok:
        summary["rotel_log_tail"] = tail(os.path.join(work, "rotel.log"))
        summary["receiver_stderr_tail"] = tail(os.path.join(work, "receiver.stderr"))
        summary["sender_stderr_tail"] = sender_stderr.splitlines()[-10:]
    summary["ok"] = ok
    print(json.dumps(summary), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

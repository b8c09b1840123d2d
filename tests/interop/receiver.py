#!/usr/bin/env python3
"""Tiny OTLP *logs* receiver for interop tests (gRPC and/or HTTP/protobuf).

Every received LogRecord is appended as one JSON line to --out (or stdout when
--out is "-"), flattened to:

    {"transport": "grpc"|"http", "service_name": ..., "scope": ...,
     "severity_number": ..., "severity_text": ..., "body": <AnyValue as JSON>,
     "attributes": {key: value, ...}, "resource": {key: value, ...},
     "time_unix_nano": ..., "observed_time_unix_nano": ...}

Once both listeners are bound it prints `{"ready": true, "grpc": ..., "http": ...}`
on stdout (flushed), so a parent process can wait for that line.

With --expect N it exits as soon as N records have arrived (exit 0), or after
--timeout seconds with exit 1. Without --expect it runs until SIGTERM/SIGINT.
On exit it prints `{"received": N, "requests": M}`.

Usage:
    python3 receiver.py --grpc 127.0.0.1:24317 [--http 127.0.0.1:24318] \
        [--out received.ndjson] [--expect N] [--timeout 30]

Needs: grpcio, opentelemetry-proto (see requirements.txt).
"""
from __future__ import annotations

import argparse
import gzip
import json
import signal
import sys
import threading
import time
import zlib
from concurrent import futures
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import grpc
from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1 import (
    logs_service_pb2,
    logs_service_pb2_grpc,
)


def any_value_to_py(v):
    """Convert an OTLP AnyValue into a plain JSON-able Python value."""
    kind = v.WhichOneof("value")
    if kind is None:
        return None
    if kind == "string_value":
        return v.string_value
    if kind == "bool_value":
        return v.bool_value
    if kind == "int_value":
        return v.int_value
    if kind == "double_value":
        return v.double_value
    if kind == "bytes_value":
        return v.bytes_value.hex()
    if kind == "array_value":
        return [any_value_to_py(x) for x in v.array_value.values]
    if kind == "kvlist_value":
        return {kv.key: any_value_to_py(kv.value) for kv in v.kvlist_value.values}
    return None


def kvs_to_dict(kvs):
    return {kv.key: any_value_to_py(kv.value) for kv in kvs}


class Sink:
    """Thread-safe collector writing NDJSON lines."""

    def __init__(self, out_path: str, expect: int | None):
        self._fh = sys.stdout if out_path == "-" else open(out_path, "a", encoding="utf-8")
        self._lock = threading.Lock()
        self.received = 0
        self.requests = 0
        self.expect = expect
        self.done = threading.Event()

    def add(self, req: logs_service_pb2.ExportLogsServiceRequest, transport: str) -> None:
        lines = []
        for rl in req.resource_logs:
            resource = kvs_to_dict(rl.resource.attributes)
            for sl in rl.scope_logs:
                for lr in sl.log_records:
                    lines.append(
                        json.dumps(
                            {
                                "transport": transport,
                                "service_name": resource.get("service.name"),
                                "scope": sl.scope.name,
                                "severity_number": lr.severity_number,
                                "severity_text": lr.severity_text,
                                "body": any_value_to_py(lr.body),
                                "attributes": kvs_to_dict(lr.attributes),
                                "resource": resource,
                                "time_unix_nano": lr.time_unix_nano,
                                "observed_time_unix_nano": lr.observed_time_unix_nano,
                            },
                            separators=(",", ":"),
                        )
                    )
        with self._lock:
            self.requests += 1
            for line in lines:
                self._fh.write(line + "\n")
            self._fh.flush()
            self.received += len(lines)
            if self.expect is not None and self.received >= self.expect:
                self.done.set()

    def close(self):
        if self._fh is not sys.stdout:
            self._fh.close()


class LogsServicer(logs_service_pb2_grpc.LogsServiceServicer):
    def __init__(self, sink: Sink):
        self.sink = sink

    def Export(self, request, context):  # noqa: N802 (grpc naming)
        self.sink.add(request, "grpc")
        return logs_service_pb2.ExportLogsServiceResponse()


def make_http_handler(sink: Sink, logs_path: str):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *args):  # silence default access log
            pass

        def _reply(self, code: int, body: bytes, ctype: str):
            self.send_response(code)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length)
            if self.path.split("?", 1)[0] != logs_path:
                self._reply(404, b"not found", "text/plain")
                return
            enc = (self.headers.get("Content-Encoding") or "").lower()
            try:
                if enc == "gzip":
                    raw = gzip.decompress(raw)
                elif enc == "deflate":
                    raw = zlib.decompress(raw)
                ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
                req = logs_service_pb2.ExportLogsServiceRequest()
                if ctype == "application/json":
                    json_format.Parse(raw.decode("utf-8"), req)
                    resp_body = b"{}"
                    resp_ctype = "application/json"
                else:
                    req.ParseFromString(raw)
                    resp_body = logs_service_pb2.ExportLogsServiceResponse().SerializeToString()
                    resp_ctype = "application/x-protobuf"
            except Exception as e:  # malformed request
                self._reply(400, str(e).encode(), "text/plain")
                return
            sink.add(req, "http")
            self._reply(200, resp_body, resp_ctype)

    return Handler


def split_hostport(s: str):
    host, _, port = s.rpartition(":")
    return host.strip("[]") or "127.0.0.1", int(port)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--grpc", help="host:port for the OTLP/gRPC listener (e.g. 127.0.0.1:24317)")
    ap.add_argument("--http", help="host:port for the OTLP/HTTP listener (e.g. 127.0.0.1:24318)")
    ap.add_argument("--http-logs-path", default="/v1/logs")
    ap.add_argument("--out", default="-", help="NDJSON output file ('-' = stdout)")
    ap.add_argument("--expect", type=int, help="exit 0 once this many log records arrived")
    ap.add_argument(
        "--max-recv-mib",
        type=float,
        default=64,
        help="gRPC max (decompressed) request size in MiB; gRPC's own default is 4, which rotel's "
        "default 8192-record batches of ~1 KiB audit events exceed (RESOURCE_EXHAUSTED)",
    )
    ap.add_argument("--timeout", type=float, default=60.0, help="with --expect: give up after this many seconds")
    args = ap.parse_args()
    if not args.grpc and not args.http:
        ap.error("give --grpc and/or --http")

    sink = Sink(args.out, args.expect)
    grpc_server = None
    http_server = None
    ready = {"ready": True}

    if args.grpc:
        max_bytes = int(args.max_recv_mib * 1024 * 1024)
        grpc_server = grpc.server(
            futures.ThreadPoolExecutor(max_workers=4),
            options=[("grpc.max_receive_message_length", max_bytes)],
        )
        logs_service_pb2_grpc.add_LogsServiceServicer_to_server(LogsServicer(sink), grpc_server)
        port = grpc_server.add_insecure_port(args.grpc)
        if port == 0:
            print(json.dumps({"error": f"cannot bind gRPC {args.grpc}"}), file=sys.stderr)
            return 2
        grpc_server.start()
        ready["grpc"] = args.grpc
    if args.http:
        http_server = ThreadingHTTPServer(split_hostport(args.http), make_http_handler(sink, args.http_logs_path))
        threading.Thread(target=http_server.serve_forever, daemon=True).start()
        ready["http"] = args.http

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())

    print(json.dumps(ready), flush=True)

    rc = 0
    deadline = time.monotonic() + args.timeout if args.expect is not None else None
    while not stop.is_set():
        if sink.done.is_set():
            break
        if deadline is not None and time.monotonic() > deadline:
            rc = 1
            break
        stop.wait(0.05)

    if grpc_server is not None:
        grpc_server.stop(grace=0.5).wait()
    if http_server is not None:
        http_server.shutdown()
    summary = {"received": sink.received, "requests": sink.requests}
    if args.expect is not None:
        summary["expected"] = args.expect
    sink.close()
    # Summary goes to stderr when records go to stdout, so stdout stays pure NDJSON.
    print(json.dumps(summary), file=sys.stderr if args.out == "-" else sys.stdout, flush=True)
    return rc


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""Send N log records through the official OpenTelemetry Python SDK.

    python3 otel_sdk_sender.py --endpoint http://127.0.0.1:4317 --protocol grpc \
        --count 100 --service-name interop [--audit-events events.ndjson]
    python3 otel_sdk_sender.py --endpoint http://127.0.0.1:4317 --protocol grpc \
        --service-name app --records corpus.jsonl [--count N]

Pipeline: LoggerProvider(Resource{service.name}) -> BatchLogRecordProcessor
(or SimpleLogRecordProcessor with --simple) -> OTLPLogExporter (gRPC or
HTTP/protobuf), then force_flush() + shutdown().

Each record:
  body       = one line of --audit-events (the raw JSON text, as a string),
               cycling through the file if --count exceeds its lines;
               otherwise "interop message <i>"
  attributes = interop.seq=<i> (int), interop.kind="audit"|"plain"
  severity   = INFO

With --records FILE (JSON lines, e.g. from app_log_corpus.py), record <i> is
line <i mod lines> of FILE, {"body", "attributes", "severity", "scope"}:
  body       = the line's "body": a string, or an object (sent as a kvlist
               body; arrays as array values)
  attributes = the line's "attributes" (flat keys such as "http.route" stay
               as they are; values: string, int, float, bool, list, object),
               then interop.seq=<i> (int), interop.kind="record"
  severity   = the line's "severity" (TRACE, DEBUG, INFO, WARN, ERROR, FATAL;
               default INFO), as severity_text and the matching number
  scope      = the line's "scope" (the logger name; default the usual one)
--count defaults to the number of lines. --records and --audit-events are
mutually exclusive.

Prints one JSON summary line on stdout, e.g. {"sent": 100, ...}, and exits 0
only if every export call returned SUCCESS and the flush completed.

For --protocol http the endpoint may be given as a base URL
(http://127.0.0.1:4318) - "/v1/logs" is appended when the URL has no path.

Written against opentelemetry-sdk 1.45.x (see requirements.txt), which uses
the keyword form `Logger.emit(body=..., attributes=...)`, LogRecordExporter
and LogRecordExportResult (LogExporter/LogExportResult are deprecated there).
"""
from __future__ import annotations

import argparse
import json
import sys
import threading
import time
from urllib.parse import urlparse

from opentelemetry._logs import SeverityNumber
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor, SimpleLogRecordProcessor
from opentelemetry.sdk.resources import Resource

try:  # sdk >= 1.39: new names; older releases only have the (now deprecated) old ones
    from opentelemetry.sdk._logs.export import LogRecordExporter as _ExporterBase
    from opentelemetry.sdk._logs.export import LogRecordExportResult as _ExportResult
except ImportError:  # pragma: no cover - older SDKs
    from opentelemetry.sdk._logs.export import LogExporter as _ExporterBase  # type: ignore
    from opentelemetry.sdk._logs.export import LogExportResult as _ExportResult  # type: ignore


class CountingExporter(_ExporterBase):
    """Wraps the real OTLP exporter and records each export() outcome.

    The batch/simple processors swallow export results, so this is how the
    script learns whether the export actually succeeded.
    """

    def __init__(self, inner):
        self.inner = inner
        self.lock = threading.Lock()
        self.ok_records = 0
        self.failed_records = 0
        self.calls = 0
        self.errors: list[str] = []

    def export(self, batch):
        try:
            res = self.inner.export(batch)
        except Exception as e:  # exporter raised (network, serialisation, ...)
            res = None
            with self.lock:
                self.errors.append(repr(e))
        with self.lock:
            self.calls += 1
            if res == _ExportResult.SUCCESS:
                self.ok_records += len(batch)
            else:
                self.failed_records += len(batch)
        return res if res is not None else _ExportResult.FAILURE

    def shutdown(self):
        return self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


def build_exporter(protocol: str, endpoint: str, compression: str, timeout: float):
    if protocol == "grpc":
        from grpc import Compression as GrpcCompression
        from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter

        comp = GrpcCompression.Gzip if compression == "gzip" else GrpcCompression.NoCompression
        insecure = urlparse(endpoint).scheme != "https"
        return OTLPLogExporter(endpoint=endpoint, insecure=insecure, compression=comp, timeout=timeout)

    from opentelemetry.exporter.otlp.proto.http import Compression as HttpCompression
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter

    parsed = urlparse(endpoint)
    if parsed.path in ("", "/"):
        endpoint = endpoint.rstrip("/") + "/v1/logs"
    comp = {"gzip": HttpCompression.Gzip, "none": HttpCompression.NoCompression}[compression]
    return OTLPLogExporter(endpoint=endpoint, compression=comp, timeout=timeout)


def load_events(path: str) -> list[str]:
    with open(path, encoding="utf-8") as fh:
        lines = [ln.rstrip("\r\n") for ln in fh]
    lines = [ln for ln in lines if ln.strip()]
    if not lines:
        raise SystemExit(f"{path}: no audit events")
    return lines


SEVERITIES = {
    "TRACE": SeverityNumber.TRACE,
    "DEBUG": SeverityNumber.DEBUG,
    "INFO": SeverityNumber.INFO,
    "WARN": SeverityNumber.WARN,
    "WARNING": SeverityNumber.WARN,
    "ERROR": SeverityNumber.ERROR,
    "FATAL": SeverityNumber.FATAL,
}


def load_records(path: str) -> list[dict]:
    records = []
    with open(path, encoding="utf-8") as fh:
        for n, ln in enumerate(fh, 1):
            if not ln.strip():
                continue
            rec = json.loads(ln)
            if not isinstance(rec, dict) or "body" not in rec:
                raise SystemExit(f"{path}:{n}: not a record object with a body")
            sev = str(rec.get("severity", "INFO")).upper()
            if sev not in SEVERITIES:
                raise SystemExit(f"{path}:{n}: unknown severity {sev!r}")
            attrs = rec.get("attributes") or {}
            if not isinstance(attrs, dict):
                raise SystemExit(f"{path}:{n}: attributes must be an object")
            records.append({"body": rec["body"], "attributes": attrs, "severity": sev, "scope": rec.get("scope")})
    if not records:
        raise SystemExit(f"{path}: no records")
    return records


def emit_records(provider, default_logger, records: list[dict], count: int) -> None:
    """Emits `count` records from --records, cycling through them (see the module docs)."""
    loggers = {}
    for i in range(count):
        rec = records[i % len(records)]
        logger = default_logger
        if rec["scope"]:
            if rec["scope"] not in loggers:
                loggers[rec["scope"]] = provider.get_logger(rec["scope"], "0.1.0")
            logger = loggers[rec["scope"]]
        attributes = dict(rec["attributes"])
        attributes["interop.seq"] = i
        attributes["interop.kind"] = "record"
        logger.emit(
            timestamp=time.time_ns(),
            severity_number=SEVERITIES[rec["severity"]],
            severity_text=rec["severity"],
            body=rec["body"],
            attributes=attributes,
        )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--endpoint", required=True, help="e.g. http://127.0.0.1:4317 (grpc) or http://127.0.0.1:4318 (http)")
    ap.add_argument("--protocol", choices=["grpc", "http"], default="grpc")
    ap.add_argument("--count", type=int, help="records to send (required unless --records is given)")
    ap.add_argument("--service-name", required=True)
    ap.add_argument("--audit-events", help="NDJSON file; each line becomes one record body")
    ap.add_argument("--records", help="JSON lines of {body, attributes, severity, scope}; each line becomes one record")
    ap.add_argument("--compression", choices=["none", "gzip"], default="none")
    ap.add_argument("--timeout", type=float, default=10.0, help="per-export timeout in seconds (retries included)")
    ap.add_argument("--simple", action="store_true", help="SimpleLogRecordProcessor instead of BatchLogRecordProcessor")
    ap.add_argument("--batch-size", type=int, default=512, help="BatchLogRecordProcessor max_export_batch_size")
    args = ap.parse_args()

    if args.records and args.audit_events:
        ap.error("--records and --audit-events are mutually exclusive")
    records = load_records(args.records) if args.records else None
    if args.count is None:
        if records is None:
            ap.error("--count is required unless --records is given")
        args.count = len(records)
    events = load_events(args.audit_events) if args.audit_events else None
    kind = "audit" if events else "plain"

    exporter = CountingExporter(build_exporter(args.protocol, args.endpoint, args.compression, args.timeout))
    provider = LoggerProvider(resource=Resource.create({"service.name": args.service_name}))
    if args.simple:
        processor = SimpleLogRecordProcessor(exporter)
    else:
        processor = BatchLogRecordProcessor(
            exporter,
            schedule_delay_millis=200,
            max_export_batch_size=args.batch_size,
            max_queue_size=max(2048, args.count),  # never drop on a full queue
        )
    provider.add_log_record_processor(processor)
    logger = provider.get_logger("audit-otel.interop", "0.1.0")

    t0 = time.monotonic()
    if records:
        emit_records(provider, logger, records, args.count)
    else:
        for i in range(args.count):
            body = events[i % len(events)] if events else f"interop message {i}"
            logger.emit(
                timestamp=time.time_ns(),
                severity_number=SeverityNumber.INFO,
                severity_text="INFO",
                body=body,
                attributes={"interop.seq": i, "interop.kind": kind},
            )
    flushed = provider.force_flush(timeout_millis=int(args.timeout * 1000) + 5000)
    provider.shutdown()
    elapsed = time.monotonic() - t0

    ok = flushed and exporter.failed_records == 0 and exporter.ok_records == args.count
    summary = {
        "sent": exporter.ok_records,
        "requested": args.count,
        "failed": exporter.failed_records,
        "export_calls": exporter.calls,
        "flushed": flushed,
        "protocol": args.protocol,
        "elapsed_s": round(elapsed, 3),
    }
    if exporter.errors:
        summary["errors"] = exporter.errors[:5]
    print(json.dumps(summary), flush=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

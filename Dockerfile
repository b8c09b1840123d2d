# syntax=docker/dockerfile:1
# audit-otel: a small, non-root image with the binary and the shipped pipelines.
#   docker build -t audit-otel .
#   docker run --rm audit-otel                                   # the bundled sample → stdout
#   docker run --rm -i audit-otel run --pipeline /etc/audit-otel/pipelines/stdio.yaml < events.ndjson

FROM rust:1-slim-bookworm AS build
WORKDIR /src
# Dependencies first, so that source edits do not rebuild them.
COPY Cargo.toml Cargo.lock ./
RUN mkdir -p src benches tests examples/events pipelines \
 && echo 'fn main() {}' > src/main.rs && echo '' > src/lib.rs \
 && echo 'fn main() {}' > benches/core.rs && echo '' > tests/otlp_receiver.rs \
 && cargo fetch --locked
COPY . .
RUN cargo build --release --locked --bin audit-otel \
 && install -D -m 0755 target/release/audit-otel /out/audit-otel

FROM gcr.io/distroless/cc-debian12:nonroot
LABEL org.opencontainers.image.title="audit-otel" \
      org.opencontainers.image.description="Identity-platform audit events as redacted OpenTelemetry log records over OTLP" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://example.invalid/audit-otel"
COPY --from=build /out/audit-otel /usr/local/bin/audit-otel
COPY pipelines/ /etc/audit-otel/pipelines/
USER nonroot:nonroot
# The configuration must stay valid; probes on the HTTP health endpoints come with the servers.
HEALTHCHECK --interval=30s --timeout=5s CMD ["/usr/local/bin/audit-otel", "validate", "--pipeline", "/etc/audit-otel/pipelines/default.yaml"]
ENTRYPOINT ["/usr/local/bin/audit-otel"]
CMD ["run"]

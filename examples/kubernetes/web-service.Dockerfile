# syntax=docker/dockerfile:1
# The demo application of examples/kubernetes: the repository's `web_service` example
# (examples/web_service.rs), which emits audit events through audit-otel's tracing layer over
# OTLP/gRPC to $OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4317).
#   docker build -f examples/kubernetes/web-service.Dockerfile -t audit-otel-web-service:latest .

FROM rust:1-slim-bookworm AS build
WORKDIR /src
COPY . .
RUN cargo build --release --locked --example web_service --features layer,testing \
 && install -D -m 0755 target/release/examples/web_service /out/web-service

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /out/web-service /usr/local/bin/web-service
USER nonroot:nonroot
# Listens on 127.0.0.1:3000 (pod-local: reach it with `kubectl port-forward`).
ENTRYPOINT ["/usr/local/bin/web-service"]

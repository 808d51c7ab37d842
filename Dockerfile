# syntax=docker/dockerfile:1
# Multi-stage build on debian:12-slim, run as an unprivileged user. Everything is pure Go
# (SQLite is modernc, Opus is pion/opus) except the embedded English recogniser, Debian's
# pocketsphinx through cgo (build tag pocketsphinx); --build-arg ASR=none builds a static
# binary without it (transcripts then come only from integrators).
#   docker build -t undertone .
#   docker run --rm -p 8080:8080 -p 40000-40099:40000-40099/udp -v undertone-data:/data \
#     -e UNDERTONE_TOKENS=admin:change-me-please -e UNDERTONE_WEBRTC_NAT_IPS=<the host's IP> undertone
# Ports: 8080/tcp HTTP (API, pages, WHIP signalling, Twilio/AudioHook websockets);
# 40000-40099/udp WebRTC media (UNDERTONE_WEBRTC_UDP_PORTS); and, when enabled,
# 5060/udp+tcp SIP/SIPREC (UNDERTONE_SIP_ADDR=0.0.0.0:5060, needs UNDERTONE_SIP_ALLOW_FROM
# or integrator tokens), 30000-30199/udp its RTP (UNDERTONE_SIP_RTP_PORTS), 9092/tcp
# Asterisk AudioSocket (UNDERTONE_AUDIOSOCKET_ADDR=0.0.0.0:9092, needs
# UNDERTONE_AUDIOSOCKET_ALLOW). Every port in a range is one call leg's socket, so size
# the ranges to the calls you expect. See compose.yaml for two nodes with NATS and Postgres.

FROM golang:1.26-bookworm AS build
ARG ASR=pocketsphinx
WORKDIR /src
ENV GOFLAGS=-trimpath
RUN if [ "$ASR" = pocketsphinx ]; then apt-get update \
 && apt-get install -y --no-install-recommends libpocketsphinx-dev libsphinxbase-dev pkg-config \
 && rm -rf /var/lib/apt/lists/*; fi
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
ARG VERSION=dev
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    if [ "$ASR" = pocketsphinx ]; then export CGO_ENABLED=1 TAGS=pocketsphinx; else export CGO_ENABLED=0 TAGS=; fi \
 && go build -tags "$TAGS" -ldflags "-s -w -X main.version=${VERSION}" -o /out/undertone ./cmd/undertone

FROM debian:12-slim
ARG ASR=pocketsphinx
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates tzdata \
 && if [ "$ASR" = pocketsphinx ]; then apt-get install -y --no-install-recommends \
      libpocketsphinx3 libsphinxbase3 pocketsphinx-en-us; fi \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 undertone \
 && useradd --system --uid 10001 --gid undertone --home-dir /data --shell /usr/sbin/nologin undertone \
 && mkdir -p /data && chown undertone:undertone /data
COPY --from=build /out/undertone /usr/local/bin/undertone
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
# The media port ranges the server binds are fixed here so that -p can publish them.
ENV UNDERTONE_WEBRTC_UDP_PORTS=40000-40099 UNDERTONE_SIP_RTP_PORTS=30000-30199
EXPOSE 8080/tcp 40000-40099/udp 5060/udp 5060/tcp 30000-30199/udp 9092/tcp
# No curl in the slim image: ask /healthz over bash's /dev/tcp.
HEALTHCHECK --interval=15s --timeout=3s --start-period=10s \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/8080 && printf 'GET /healthz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -1 <&3 | grep -q ' 200 '"]
ENTRYPOINT ["undertone"]
CMD ["serve", "--addr", "0.0.0.0:8080", "--data-dir", "/data"]

# syntax=docker/dockerfile:1
# wopihost: one node. Build from the repository root:
#   docker build -t wopihost .                                   # PDF text search (poppler), no previews
#   docker build -t wopihost --build-arg WITH_LIBREOFFICE=true . # also thumbnails of Office files
# The node runs `wopihost serve` as an unprivileged user; see deploy/compose.yaml and the README's Deployment.

ARG PYTHON_IMAGE=python:3.12-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1
RUN python -m venv /opt/wopihost
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN /opt/wopihost/bin/pip install .

FROM ${PYTHON_IMAGE}
# poppler-utils: pdftotext (PDF text in search) and pdftoppm (every preview). LibreOffice renders previews of
# Office documents; it is large, so it is left out unless asked for.
ARG WITH_POPPLER=true
ARG WITH_LIBREOFFICE=false
RUN set -eux; \
    packages=""; \
    if [ "$WITH_POPPLER" = true ]; then packages="$packages poppler-utils"; fi; \
    if [ "$WITH_LIBREOFFICE" = true ]; then \
        packages="$packages libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui"; \
    fi; \
    if [ -n "$packages" ]; then \
        apt-get update; \
        apt-get install -y --no-install-recommends $packages; \
        rm -rf /var/lib/apt/lists/*; \
    fi

RUN groupadd --system --gid 10001 wopihost \
    && useradd --system --uid 10001 --gid wopihost --home-dir /var/lib/wopihost --shell /usr/sbin/nologin wopihost \
    && mkdir -p /var/lib/wopihost/secrets \
    && chown -R wopihost:wopihost /var/lib/wopihost \
    && chmod 0700 /var/lib/wopihost/secrets
COPY --from=build /opt/wopihost /opt/wopihost

ENV PATH=/opt/wopihost/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    HOME=/var/lib/wopihost \
    WOPIHOST_DATA_DIR=/var/lib/wopihost \
    WOPIHOST_SERVER__HOST=0.0.0.0 \
    WOPIHOST_SERVER__PORT=8080
USER wopihost
WORKDIR /var/lib/wopihost
EXPOSE 8080
# Liveness only (no I/O); load balancers ask /readyz, which checks the database and the blob store too.
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('WOPIHOST_SERVER__PORT', '8080'), timeout=2)"]
# Exec form: `wopihost` itself receives SIGTERM and finishes uploads in flight (server.shutdown_timeout_seconds).
ENTRYPOINT ["wopihost"]
CMD ["serve"]

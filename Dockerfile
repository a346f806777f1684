# Ferryman in a container: `ferryman run` as a non-root user, database, media and backups on
# a volume, settings mounted read-only. Build and run (see docs/deploy.md, "Docker"):
#
#   docker build -t ferryman:latest .
#   docker run -d --name ferryman --restart unless-stopped \
#     -v ferryman-data:/var/lib/ferryman \
#     -v /etc/ferryman/config.toml:/etc/ferryman/config.toml:ro \
#     --env-file /etc/ferryman/secrets.env \
#     ferryman:latest
#
# The settings must put the database, media and backups on the volume:
#   [storage] database = "/var/lib/ferryman/ferryman.sqlite3"
#             media_dir = "/var/lib/ferryman/media"
#   [backup]  folder = "/var/lib/ferryman/backups"

FROM python:3.11-slim AS build
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY storage ./storage
COPY botapi_emulator ./botapi_emulator
# Wheels only (zxing-cpp, pillow, qrcode…); no compiler in the image.
RUN pip install --no-cache-dir --prefix=/install .

FROM python:3.11-slim
# Chinese driver names on the board image and the QR sheet need a CJK font.
RUN apt-get update \
    && apt-get install -y --no-install-recommends fonts-wqy-microhei \
    && rm -rf /var/lib/apt/lists/*
# A fixed uid, so a host folder mounted instead of the named volume can be chown'ed to it.
RUN groupadd --system --gid 10001 ferryman \
    && useradd --system --uid 10001 --gid ferryman --home-dir /var/lib/ferryman \
        --shell /usr/sbin/nologin ferryman \
    && mkdir -p /var/lib/ferryman /etc/ferryman \
    && chown ferryman:ferryman /var/lib/ferryman
COPY --from=build /install /usr/local
USER ferryman
WORKDIR /var/lib/ferryman
VOLUME ["/var/lib/ferryman"]
ENV FERRYMAN_CONFIG=/etc/ferryman/config.toml \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1
# Webhook mode only: the [telegram] listen port (set listen = "0.0.0.0:8443" in a container).
EXPOSE 8443
# Database reachable, schema current, bot heartbeat fresh, Bot API answering, outbox moving.
HEALTHCHECK --interval=60s --timeout=15s --start-period=60s --retries=3 CMD ["ferryman", "health"]
# SIGTERM (docker stop) lets ferryman finish the updates in hand and close the database.
STOPSIGNAL SIGTERM
ENTRYPOINT ["ferryman"]
CMD ["run"]

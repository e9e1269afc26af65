# Frontdesk in a container: slim Python, a non-root user, a healthcheck on /healthz.
#   docker build -t frontdesk .
#   docker run -p 8000:8000 -e FRONTDESK_SECRET=... -e FRONTDESK_API_KEY=... frontdesk
# tests/deploy/test_container.py runs this file's CMD and HEALTHCHECK without Docker.
FROM python:3.12-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
# The package serves ../static next to its source, so it is installed in place (-e).
COPY pyproject.toml README.md ./
COPY server ./server
COPY static ./static
RUN pip install --no-cache-dir -e . \
    && useradd --system --uid 10001 --home-dir /app --shell /usr/sbin/nologin frontdesk

USER 10001
EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=2)"]
CMD ["frontdesk", "serve", "--host", "0.0.0.0", "--port", "8000", "--log-format", "json"]

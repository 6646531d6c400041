# GEventator image: gunicorn (gunicorn.conf.py) serving the app, static files collected at build.
# Build: docker build -t geventator .    Run: see README, "Deployment" (and compose.yaml).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm

# --- build: the virtualenv and the collected static files --------------------------------------
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PATH=/opt/venv/bin:$PATH
RUN python -m venv /opt/venv
# Requirements first: this layer is rebuilt only when they change.
COPY requirements/base.txt /tmp/requirements.txt
RUN pip install --no-cache-dir -r /tmp/requirements.txt
WORKDIR /app
COPY . .
# The translations are compiled here (Babel's pybabel: no GNU gettext in the image); .mo files are
# not in the repository. Settings refuse to load without a SECRET_KEY; this one exists only during
# the build.
RUN pybabel compile --statistics --domain django --directory locale \
    && SECRET_KEY=collectstatic-only-build-key \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    STATIC_ROOT=/app/var/static \
    python manage.py collectstatic --noinput --verbosity 0 \
    && python -m compileall -q /app

# --- runtime: the same Python, the virtualenv and the app, run as a non-root user --------------
FROM ${PYTHON_IMAGE} AS runtime
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    STATIC_ROOT=/app/var/static \
    DATABASE_URL=sqlite:////data/geventator.sqlite3 \
    MEDIA_ROOT=/data/media \
    GUNICORN_BIND=0.0.0.0:8000
RUN groupadd --system --gid 10001 geventator \
    && useradd --system --uid 10001 --gid geventator --home-dir /app --no-create-home --shell /usr/sbin/nologin geventator \
    && mkdir -p /data/media \
    && chown -R geventator:geventator /data
COPY --from=build /opt/venv /opt/venv
# Code and static files stay root-owned: the app user can read them, not change them.
COPY --from=build /app /app
WORKDIR /app
USER 10001:10001
# The SQLite file (when DATABASE_URL is left as is; unused with MongoDB) and the receipt files
# (MEDIA_ROOT=/data/media, written by the app user): keep this volume and back it up.
VOLUME ["/data"]
EXPOSE 8000
# urllib, not curl: the slim image has no curl. 200 only while the database answers.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/healthz', timeout=4).status != 200)"]
# `docker run IMAGE python manage.py migrate` (or createsuperuser, ...) replaces this command.
CMD ["gunicorn", "--config", "/app/gunicorn.conf.py"]

FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 \
    DJANGO_SETTINGS_MODULE=clipmaker.settings VAR_DIR=/app/var
WORKDIR /app

RUN useradd --create-home --uid 1000 clipmaker
COPY pyproject.toml README.md ./
COPY clipmaker ./clipmaker
COPY platforms ./platforms
COPY publishing ./publishing
COPY stats ./stats
RUN pip install .
COPY . .
RUN mkdir -p /app/var /app/media /app/metrics \
    && DJANGO_ENV=development DEBUG=0 PLATFORM_SANDBOX=0 python manage.py collectstatic --noinput \
    && chown -R clipmaker /app/var /app/media /app/metrics
USER clipmaker
EXPOSE 8000
# JSON error and access logs, workers and timeouts: clipmaker/gunicorn_conf.py.
CMD ["gunicorn", "-c", "python:clipmaker.gunicorn_conf", "clipmaker.wsgi"]

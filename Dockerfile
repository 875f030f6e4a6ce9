# The one image behind web, the Celery workers and beat in docker-compose.yml.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1

# cairo draws the PNG figure (timeline/figure/png.py); without it PNG requests answer 503. Liberation Sans is the
# figure's font (without it fontconfig substitutes the wider DejaVu Sans, which the layout also leaves room for).
RUN apt-get update \
    && apt-get install -y --no-install-recommends libcairo2 fonts-liberation \
    && rm -rf /var/lib/apt/lists/*

WORKDIR /app
COPY requirements.txt .
RUN pip install -r requirements.txt
COPY . .

# Hashed, compressed static files for whitenoise, written with the production storage (DEBUG=0). The key exists
# only for this step: settings refuse to load with DEBUG off and no key, and collectstatic signs nothing.
RUN DEBUG=0 SECRET_KEY=collectstatic-only-never-used-to-sign-anything-0123456789 \
    python manage.py collectstatic --no-input --verbosity 0

# Run as an unprivileged user; var/beat holds beat's schedule file (a volume in docker-compose.yml).
RUN useradd --system --home-dir /app timeline && mkdir -p /app/var/beat && chown -R timeline /app/var
USER timeline
EXPOSE 8000

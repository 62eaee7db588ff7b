# The image docker-compose.yml runs for web, worker and beat.
FROM python:3.13-slim

ENV PYTHONUNBUFFERED=1 \
    UV_LINK_MODE=copy \
    UV_PROJECT_ENVIRONMENT=/app/.venv \
    PATH="/app/.venv/bin:$PATH"

WORKDIR /app
RUN pip install --no-cache-dir uv
COPY pyproject.toml uv.lock ./
RUN uv sync --locked --no-dev --no-install-project
COPY . .
RUN useradd --create-home secondop && mkdir -p /app/var && chown secondop /app/var
USER secondop
EXPOSE 8000
CMD ["python", "-m", "secondop.run", "web"]

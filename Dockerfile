# The application image: the worker and the API run from it with different commands.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY domain domain
COPY workflows workflows
COPY activities activities
COPY api api
COPY db db
COPY cli.py settings.py temporal_client.py worker.py ./
RUN pip install --no-cache-dir -c constraints.txt .
ENV AFTERSALES_DATA_DIR=/data
CMD ["aftersales", "api"]

# The application image: the workers and the API run from it with different commands.
FROM python:3.11-slim
WORKDIR /app
COPY pyproject.toml constraints.txt README.md ./
COPY domain domain
COPY workflows workflows
COPY activities activities
COPY delivery delivery
COPY services services
COPY api api
COPY web web
COPY db db
COPY application.py cli.py processes.py settings.py simulation.py telemetry.py temporal_client.py worker.py ./
RUN pip install --no-cache-dir -c constraints.txt . && python -m compileall -q /app
ENV AFTERSALES_DATA_DIR=/data
CMD ["aftersales", "api"]

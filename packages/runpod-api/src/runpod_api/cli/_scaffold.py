"""The files of a new worker project (`runpod project new`): pure text, written by the command.

The image installs one package, runpod-worker, pinned; the handler runs its test input out of the box
(`python handler.py` reads `test_input.json`).
"""

from __future__ import annotations

import re

__all__ = ("PROJECT_NAME", "WORKER_REQUIREMENT", "project_files")

WORKER_REQUIREMENT = "runpod-worker==0.1.0"
"""What a new project's image installs: the worker runtime alone, at the version this CLI was made with."""

PROJECT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
"""A project name: a directory name that needs no quoting."""

_HANDLER = '''"""{name}: a Runpod serverless worker.

Run one job here, from test_input.json or from the command line:

    python handler.py
    python handler.py --test_input '{{"input": {{"name": "Ada"}}}}'

Serve it the way the platform would, then call it like an endpoint:

    python handler.py --rp_serve_api --rp_api_port 8000
"""

import runpod_worker


def handler(job):
    """Answer one job: `job["input"]` holds what the caller sent."""
    name = (job["input"] or {{}}).get("name", "world")
    return {{"greeting": f"Hello, {{name}}!"}}


if __name__ == "__main__":
    runpod_worker.start({{"handler": handler}})
'''

_TEST_INPUT = """{"input": {"name": "Runpod"}}
"""

_REQUIREMENTS = """# What the worker image installs. Add your handler's own dependencies below.
{requirement}
"""

_DOCKERFILE = """FROM python:3.11-slim

WORKDIR /app
COPY requirements.txt .
RUN pip install --no-cache-dir -r requirements.txt
COPY handler.py .

CMD ["python", "-u", "handler.py"]
"""

_DOCKERIGNORE = """__pycache__/
*.pyc
.venv/
"""

_README = """# {name}

A Runpod serverless worker made with `runpod project new`.

## Run it here

```bash
pip install -r requirements.txt
python handler.py                   # runs the job in test_input.json, then exits
python handler.py --test_input '{{"input": {{"name": "Ada"}}}}'
pip install 'runpod-worker[server]' && python handler.py --rp_serve_api  # an endpoint on localhost:8000
```

## Deploy it

```bash
docker build -t YOUR_REGISTRY/{name}:0.1 . && docker push YOUR_REGISTRY/{name}:0.1
runpod template create {name} --image YOUR_REGISTRY/{name}:0.1 --serverless
runpod endpoint create {name} --template TEMPLATE_ID --gpu AMPERE_16
runpod endpoint run ENDPOINT_ID --input '{{"name": "Ada"}}'
```

The handler is in `handler.py`; what it is given is in `job["input"]`.
"""


def project_files(name: str) -> dict[str, str]:
    """The files of a new project, by relative path.

    Raises:
        ValueError: The name is not a plain directory name.
    """
    if not PROJECT_NAME.match(name):
        raise ValueError(f"project name {name!r} may hold only letters, digits, '.', '-' and '_', and start with one")
    return {
        "handler.py": _HANDLER.format(name=name),
        "test_input.json": _TEST_INPUT,
        "requirements.txt": _REQUIREMENTS.format(requirement=WORKER_REQUIREMENT),
        "Dockerfile": _DOCKERFILE,
        ".dockerignore": _DOCKERIGNORE,
        "README.md": _README.format(name=name),
    }

"""docker-compose.yml and the Dockerfile, checked as far as no Docker engine is needed: every
service it names exists and starts after what it needs, the images are pinned and current, the
application's settings are real settings that production accepts, the search attributes are
the workflows' own, and the image holds every module the project installs."""

import re
import tomllib
from pathlib import Path
from typing import Any

import yaml

from settings import Settings
from workflows import search_attributes as sa

ROOT = Path(__file__).parent.parent
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
APPLICATION = ("migrate", "worker", "delivery", "api")


def needs(service: dict[str, Any]) -> list[str]:
    depends = service.get("depends_on", [])
    return list(depends) if isinstance(depends, list | dict) else []


def test_every_service_starts_after_services_that_exist_with_no_cycle() -> None:
    for name, service in SERVICES.items():
        assert set(needs(service)) <= set(SERVICES), name
    started: list[str] = []
    while len(started) < len(SERVICES):
        ready = [n for n, s in SERVICES.items() if n not in started and set(needs(s)) <= set(started)]
        assert ready, f"a cycle among {set(SERVICES) - set(started)}"
        started += ready
    assert started.index("temporal") > started.index("temporal-schema") > started.index("postgresql")
    assert all(started.index(n) > started.index("temporal-setup") for n in ("worker", "delivery", "api"))


def test_the_images_are_pinned_and_none_is_the_deprecated_auto_setup() -> None:
    images = {name: s["image"] for name, s in SERVICES.items() if "image" in s}
    for name, image in images.items():
        assert re.fullmatch(r"[\w./-]+:\d[\w.-]*", image), f"{name}: {image} is not pinned to a version"
        assert "auto-setup" not in image
    assert images["temporal"].startswith("temporalio/server:")
    assert all(SERVICES[n]["build"] == "." for n in APPLICATION)


def test_the_workers_and_the_api_are_scaled_behind_a_proxy_the_api_trusts() -> None:
    assert SERVICES["worker"]["deploy"]["replicas"] >= 2 and SERVICES["api"]["deploy"]["replicas"] >= 2
    assert "ports" not in SERVICES["api"]  # reached through the proxy only
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in SERVICES["proxy"]["volumes"]
    assert "http://api:8000" in conf and "X-Forwarded-For $proxy_add_x_forwarded_for" in conf


def test_the_application_settings_are_settings_production_accepts() -> None:
    environment = SERVICES["api"]["environment"]
    assert all(SERVICES[n]["environment"] == environment for n in APPLICATION)
    fields = {f"AFTERSALES_{name.upper()}" for name in Settings.model_fields}
    assert set(environment) <= fields, set(environment) - fields
    given = {
        key.removeprefix("AFTERSALES_").lower(): re.sub(r"\$\{[^}]+\}", "x" * 40, str(value))
        for key, value in environment.items()
    }
    given["payload_keys"] = "2026-12=" + "A" * 43 + "="
    settings = Settings(_env_file=None, **given)  # type: ignore[call-arg]
    assert settings.environment == "production" and settings.redis_url.startswith("redis://redis:")
    assert settings.trusted_proxies and not settings.demo_accounts


def test_the_search_attributes_registered_are_the_workflows_own() -> None:
    command = " ".join(SERVICES["temporal-setup"]["command"])
    registered = set(re.findall(r"(\w+)=(Keyword|Bool|Int)\b", command))
    assert registered == {
        tuple(flag.removeprefix("--search-attribute=").split("=")) for flag in sa.cli_flags()
    }


def test_the_image_holds_every_module_the_project_installs() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    packages = [p.rstrip("*") for p in project["packages"]["find"]["include"]]
    copied = " ".join(
        line for line in (ROOT / "Dockerfile").read_text().splitlines() if line.startswith("COPY")
    )
    for package in packages:
        assert f"COPY {package} {package}" in copied, package
    for module in project["py-modules"]:
        assert f"{module}.py" in copied, module

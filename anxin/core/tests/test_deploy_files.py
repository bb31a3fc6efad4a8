"""The deployment files in deploy/ agree with the code: gunicorn binds where nginx proxies to,
nginx sets what the settings trust, every environment variable is documented (and every
documented one exists), and the units call commands and options that exist (docs/deploy.md)."""

from __future__ import annotations

import ast
import os
import re
import runpy
import shlex
import stat
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.core.management import get_commands, load_command_class

ROOT = Path(__file__).resolve().parents[3]
DEPLOY = ROOT / "deploy"
NGINX = DEPLOY / "nginx" / "anxin.conf"
GUNICORN = DEPLOY / "gunicorn.conf.py"
ENV_EXAMPLE = DEPLOY / "anxin.env.example"
BACKUP_SCRIPT = DEPLOY / "anxin-backup.sh"
CRON = DEPLOY / "cron" / "anxin"
DOCS = ROOT / "docs" / "deploy.md"
UNITS = sorted((DEPLOY / "systemd").glob("*.service"))
TIMERS = sorted((DEPLOY / "systemd").glob("*.timer"))
INSTALL_DIR = "/srv/anxin"
ENV_READERS = {"_env", "_env_bool"}
THIRD_PARTY_VARIABLES = {"MPLCONFIGDIR"}  # read by a library, not by anxin's code
MIB = 1024 * 1024


# helpers ----------------------------------------------------------------------------------------


def environment_variables(path: Path) -> set[str]:
    """Names read with os.environ.get(NAME …), _env(NAME …) or _env_bool(NAME …) in a module."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        func = node.func
        reader = (
            isinstance(func, ast.Attribute)
            and func.attr == "get"
            and isinstance(func.value, ast.Attribute)
            and func.value.attr == "environ"
        ) or (isinstance(func, ast.Name) and func.id in ENV_READERS)
        first = node.args[0]
        if reader and isinstance(first, ast.Constant) and isinstance(first.value, str):
            names.add(first.value)
    return names


def script_variables(path: Path) -> set[str]:
    """The settings of a shell script: ${ANXIN_…:-default} (not $ANXIN, the program's path)."""
    return set(re.findall(r"\$\{(ANXIN_[A-Z0-9_]+):-", path.read_text(encoding="utf-8")))


def example_variables() -> set[str]:
    text = ENV_EXAMPLE.read_text(encoding="utf-8")
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))


def load_gunicorn(monkeypatch: pytest.MonkeyPatch, **env: str) -> dict[str, Any]:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("ANXIN_") or k in env}
    environ.update(env)
    environ.setdefault("ANXIN_ENV_FILE", "/nonexistent/anxin.env")
    monkeypatch.setattr(os, "environ", environ)
    return runpy.run_path(str(GUNICORN))


def nginx_blocks(text: str, keyword: str) -> list[str]:
    """The bodies of the blocks opened by ``keyword … {`` (nested braces included)."""
    bodies = []
    for match in re.finditer(rf"(?m)^\s*{keyword}\b[^{{;]*\{{", text):
        depth, start = 1, match.end()
        index = start
        while depth:
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            index += 1
        bodies.append(text[start : index - 1])
    return bodies


def nginx_text() -> str:
    return "\n".join(line.split("#", 1)[0] for line in NGINX.read_text().splitlines())


def size_in_bytes(value: str) -> int:
    number, unit = re.fullmatch(r"(\d+)([kKmMgG]?)", value).groups()  # type: ignore[union-attr]
    return int(number) * {"": 1, "k": 1024, "m": MIB, "g": 1024 * MIB}[unit.lower()]


def anxin_invocations(text: str) -> list[list[str]]:
    """Each ``…/bin/anxin COMMAND ARGS`` or ``"$ANXIN" COMMAND ARGS`` in a unit, script or cron
    line, as [command, *arguments] (shell variables stand for a file name)."""
    found = []
    for line in text.splitlines():
        code = line.split("#", 1)[0] if not line.lstrip().startswith("Exec") else line
        for part in re.split(r"&&|\|\||;|>>?|\|", code):
            tokens = shlex.split(part.replace('"$ANXIN"', "/bin/anxin"), posix=True)
            for i, token in enumerate(tokens):
                if token.endswith("/bin/anxin"):  # not the cron file's user name "anxin"
                    args = ["FILE" if "$" in t else t for t in tokens[i + 1 :]]
                    found.append(args)
                    break
    return found


def unit_values(path: Path, key: str) -> list[str]:
    return re.findall(rf"(?m)^{key}=(.*)$", path.read_text(encoding="utf-8"))


# gunicorn and nginx -----------------------------------------------------------------------------


def test_gunicorn_config_loads_and_binds_to_the_nginx_upstream(monkeypatch):
    config = load_gunicorn(monkeypatch)
    upstream = nginx_blocks(nginx_text(), "upstream")
    assert len(upstream) == 1
    servers = re.findall(r"server\s+(\S+);", upstream[0])
    assert servers == config["bind"] == ["127.0.0.1:8001"]
    # nginx closes idle upstream connections before gunicorn does (no "connection reset")
    idle = re.search(r"keepalive_timeout\s+(\d+)s;", upstream[0])
    assert idle and config["keepalive"] > int(idle.group(1))
    assert config["wsgi_app"] == "config.wsgi:application"
    assert Path(config["chdir"]) == ROOT
    assert config["worker_class"] == "gthread"
    assert 2 <= config["workers"] <= 9
    assert config["control_socket_disable"] is True  # the service's home is read-only
    config["post_worker_init"](None)  # the warm-up hook imports the URL configuration
    assert "%(M)s" in config["access_log_format"]  # the request time
    assert "%(r)s" not in config["access_log_format"]  # no query strings (names) in the log


def test_gunicorn_reads_the_environment_and_the_environment_file(monkeypatch, tmp_path):
    env_file = tmp_path / "anxin.env"
    env_file.write_text("# comment\nANXIN_WORKERS=3\nANXIN_BIND=127.0.0.1:9999\n")
    config = load_gunicorn(monkeypatch, ANXIN_ENV_FILE=str(env_file), ANXIN_BIND="unix:/run/a.s")
    assert config["workers"] == 3  # from the file
    assert config["bind"] == ["unix:/run/a.s"]  # the environment wins over the file


def test_nginx_proxies_with_the_headers_django_trusts(monkeypatch):
    # The settings as on a server (ANXIN_HTTPS=1): which header says the request was https.
    environ = dict(os.environ, ANXIN_HTTPS="1")
    environ.pop("ANXIN_BEHIND_PROXY", None)
    monkeypatch.setattr(os, "environ", environ)
    production = runpy.run_path(str(ROOT / "config" / "settings.py"))
    meta_name, value = production["SECURE_PROXY_SSL_HEADER"]
    header = "-".join(p.capitalize() for p in meta_name.removeprefix("HTTP_").split("_"))
    assert (header, value) == ("X-Forwarded-Proto", "https")

    text = nginx_text()
    locations = [
        body for body in nginx_blocks(text, "location") if "proxy_pass http://anxin_app" in body
    ]
    assert len(locations) >= 3  # /healthz on 80 and 443, and / on 443
    for body in locations:
        headers = dict(re.findall(r"proxy_set_header\s+(\S+)\s+(.+?);", body))
        # nginx overwrites what the client sent: $scheme is "https" only on the TLS server
        assert headers[header] == "$scheme"
        assert headers["Host"] == "$host"
        assert headers["X-Forwarded-For"] == "$proxy_add_x_forwarded_for"
        assert headers["X-Forwarded-Host"] == "$host"


def test_nginx_upload_limit_fits_the_application_limit():
    limits = re.findall(r"client_max_body_size\s+(\S+);", nginx_text())
    assert len(limits) == 1
    limit = size_in_bytes(limits[0])
    # room for the form's other fields and the multipart boundaries, but not much more
    assert settings.ANXIN_MAX_UPLOAD_BYTES < limit <= settings.ANXIN_MAX_UPLOAD_BYTES + 4 * MIB
    assert limit > settings.DATA_UPLOAD_MAX_MEMORY_SIZE


def test_nginx_tls_redirect_timeouts_and_error_pages(monkeypatch):
    text = nginx_text()
    servers = nginx_blocks(text, "server")
    plain = [s for s in servers if re.search(r"listen\s+80;", s)]
    tls = [s for s in servers if re.search(r"listen\s+443\s+ssl", s)]
    assert len(plain) == len(tls) == 1
    assert "return 301 https://$host$request_uri;" in plain[0]
    assert "ssl_certificate " in tls[0] and "ssl_certificate_key " in tls[0]
    read_timeout = re.search(r"proxy_read_timeout\s+(\d+)s;", tls[0])
    assert read_timeout and int(read_timeout.group(1)) > load_gunicorn(monkeypatch)["timeout"]
    for page in re.findall(r"error_page\s+[\d ]+\s+/anxin-errors/(\S+);", tls[0]):
        assert (DEPLOY / "nginx" / "errors" / page).is_file()
    assert "server_tokens off;" in plain[0] and "server_tokens off;" in tls[0]


# environment variables --------------------------------------------------------------------------


def test_every_setting_variable_is_in_the_example_and_the_docs():
    read = environment_variables(ROOT / "config" / "settings.py")
    # the parser finds the three ways settings.py reads the environment
    assert {"ANXIN_SECRET_KEY", "ANXIN_HTTPS", "DATABASE_URL", "ANXIN_MEDIA_ROOT"} <= read
    gunicorn = environment_variables(GUNICORN)
    assert {"ANXIN_BIND", "ANXIN_WORKERS"} <= gunicorn
    docs = DOCS.read_text(encoding="utf-8")
    for name in sorted(read | gunicorn | script_variables(BACKUP_SCRIPT)):
        assert name in example_variables(), f"{name} is missing in deploy/anxin.env.example"
        assert f"`{name}`" in docs, f"{name} is missing in docs/deploy.md"


def test_every_documented_variable_is_read_somewhere():
    read = (
        environment_variables(ROOT / "config" / "settings.py")
        | environment_variables(GUNICORN)
        | script_variables(BACKUP_SCRIPT)
        | THIRD_PARTY_VARIABLES
    )
    assert not example_variables() - read, "deploy/anxin.env.example lists unknown variables"
    documented = set(re.findall(r"`((?:ANXIN|DATABASE)_[A-Z0-9_]+)", DOCS.read_text("utf-8")))
    unknown = {name for name in documented - read if not hasattr(settings, name)}
    assert not unknown, f"docs/deploy.md names unknown variables: {unknown}"


def test_example_keys_are_refused_by_check_deploy():
    from anxin.core import deploy_checks

    example = dict(
        re.findall(r"^(ANXIN_[A-Z_]+)=(.*)$", ENV_EXAMPLE.read_text(), flags=re.MULTILINE)
    )
    assert len(example["ANXIN_SECRET_KEY"]) < deploy_checks.MIN_SECRET_KEY_LENGTH
    assert len(example["ANXIN_INDEX_KEY"]) < deploy_checks.MIN_INDEX_KEY_LENGTH
    assert example["ANXIN_DEBUG"] == "0" and example["ANXIN_HTTPS"] == "1"


# systemd units, timers, cron --------------------------------------------------------------------


def deploy_texts() -> dict[str, str]:
    paths = [*UNITS, CRON, BACKUP_SCRIPT]
    return {path.name: path.read_text(encoding="utf-8") for path in paths}


def test_units_and_cron_call_commands_and_options_that_exist():
    commands = get_commands()
    seen = set()
    for name, text in deploy_texts().items():
        for command, *arguments in anxin_invocations(text):
            assert command in commands, f"{name}: no command `anxin {command}`"
            parser = load_command_class(commands[command], command).create_parser("anxin", command)
            parser.parse_args(arguments)  # raises CommandError on an unknown option
            seen.add(command)
    assert seen == {"check-deploy", "run-reminders", "backup", "restore"}


def test_invocation_parser_sees_options():
    found = anxin_invocations('"$ANXIN" backup -o "$FILE"\nExecStart=/x/.venv/bin/anxin run-x --y')
    assert found == [["backup", "-o", "FILE"], ["run-x", "--y"]]


def test_units_run_as_anxin_with_the_environment_file_and_hardening():
    assert {u.name for u in UNITS} == {
        "anxin.service",
        "anxin-reminders.service",
        "anxin-backup.service",
    }
    env_file = f"{INSTALL_DIR}/var/anxin.env"
    for unit in UNITS:
        assert unit_values(unit, "User") == ["anxin"]
        assert unit_values(unit, "EnvironmentFile") == [env_file]
        assert unit_values(unit, "ProtectSystem") == ["strict"]
        for option in ("PrivateTmp", "NoNewPrivileges", "ProtectHome"):
            assert unit_values(unit, option) == ["true"], (unit.name, option)
        assert unit_values(unit, "ReadWritePaths")
    web = DEPLOY / "systemd" / "anxin.service"
    assert unit_values(web, "ReadWritePaths") == [f"{INSTALL_DIR}/var"]
    assert unit_values(web, "ExecStart") == [
        f"{INSTALL_DIR}/.venv/bin/gunicorn -c {INSTALL_DIR}/deploy/gunicorn.conf.py"
    ]
    assert f"ANXIN_ENV_FILE={env_file}" in CRON.read_text()


def test_files_named_in_units_and_cron_exist_in_the_repository():
    for name, text in deploy_texts().items():
        for path in re.findall(rf"{INSTALL_DIR}/([\w./-]+)", text):
            if path.startswith((".venv/", "var/")):
                continue  # made by `make install` and `make keys`
            assert (ROOT / path).exists(), f"{name} names {path}, which is not in the repository"
    assert BACKUP_SCRIPT.stat().st_mode & stat.S_IXUSR


def test_every_timer_starts_a_unit_of_the_same_name():
    assert {t.stem for t in TIMERS} == {"anxin-reminders", "anxin-backup"}
    for timer in TIMERS:
        assert (DEPLOY / "systemd" / f"{timer.stem}.service").is_file()
        assert unit_values(timer, "OnCalendar")
        assert unit_values(timer, "Persistent") == ["true"]

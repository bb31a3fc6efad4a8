"""50 staff members working at once on the city-scale benchmark data (``make loadtest``).

Each simulated user logs in once as one of the load users that ``loadtest/prepare.py`` made (a
social worker, or a project lead in every fifth project, each in their own project), then
repeats a weighted mix of what that work looks like, with 1–5 s between clicks: client lists
(plain, paged, searched, filtered), client archives, case pages, service records and their
list, the waiting list, recording a service (the form is read, then posted with its CSRF token,
as a browser does), the hotline's call list, the contract dashboard, and the JSON API with the
user's token. Any answer other than the expected status is a failure (a redirect to the login
page included). Paths come from ``loadtest/paths.py``, which a test resolves against the URL
configuration.

    ANXIN_LOADTEST_TARGETS=var/loadtest/targets.json locust -f loadtest/locustfile.py \
        --headless -u 50 -r 10 -t 3m --host http://127.0.0.1:8011
"""

from __future__ import annotations

import itertools
import json
import os
import random
import re
import sys
from pathlib import Path
from typing import Any

from locust import HttpUser, between, task

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from loadtest import paths
from loadtest.forms import form_fields, replace

TARGETS: dict[str, Any] = json.loads(
    Path(os.environ.get("ANXIN_LOADTEST_TARGETS", "var/loadtest/targets.json")).read_text("utf-8")
)
_next_user = itertools.count()
_RECORDED = re.compile(r"^/services/(\d+)/$")
_ERROR = re.compile(r'class="[^"]*(?:invalid-feedback|alert-danger)[^"]*"[^>]*>\s*([^<]{1,160})')


class StaffMember(HttpUser):
    wait_time = between(1, 5)

    def on_start(self) -> None:
        users = TARGETS["users"]
        self.me: dict[str, Any] = users[next(_next_user) % len(users)]
        self.api_headers = {"Authorization": f"Bearer {self.me['token']}"}
        self.client.get(paths.LOGIN, name="login page")
        with self.client.post(
            paths.LOGIN,
            data={
                "username": self.me["username"],
                "password": TARGETS["password"],
                "csrfmiddlewaretoken": self.client.cookies.get("csrftoken", ""),
            },
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            if response.status_code != 302 or paths.LOGIN in response.headers.get("Location", ""):
                response.failure(f"login refused for {self.me['username']}")

    # helpers ------------------------------------------------------------------------------------

    def page(self, path: str, name: str, **params: Any) -> str:
        with self.client.get(
            path, params=params or None, name=name, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code == 0:  # no answer: the connection failed
                response.failure(f"no answer: {type(response.error).__name__}: {response.error}")
                return ""
            if response.status_code != 200:
                response.failure(f"{response.status_code} {response.headers.get('Location', '')}")
                return ""
            return response.text

    def api(self, path: str, name: str, **params: Any) -> None:
        with self.client.get(
            path, params=params or None, headers=self.api_headers, name=name, catch_response=True
        ) as response:
            if response.status_code != 200 or not response.text.startswith("{"):
                response.failure(f"{response.status_code}")

    def pick(self, key: str) -> Any:
        return random.choice(self.me[key])

    # the mix ------------------------------------------------------------------------------------

    @task(3)
    def home(self) -> None:
        self.page(paths.HOME, "home")

    @task(8)
    def client_list(self) -> None:
        self.page(paths.CLIENT_LIST, "client list", page=random.randint(1, 5))

    @task(8)
    def client_search(self) -> None:
        self.page(paths.CLIENT_LIST, "client list: search", q=self.pick("searches"))

    @task(4)
    def client_filter(self) -> None:
        self.page(
            paths.CLIENT_LIST,
            "client list: street + group",
            street=self.pick("streets"),
            priority_group=random.choice(paths.PRIORITY_GROUPS),
        )

    @task(12)
    def client_archive(self) -> None:
        self.page(paths.CLIENT_ARCHIVE.format(client_id=self.pick("clients")), "client archive")

    @task(8)
    def case_page(self) -> None:
        self.page(paths.CASE_PAGE.format(case_id=self.pick("cases")), "case page")

    @task(4)
    def service_record(self) -> None:
        self.page(paths.SERVICE_RECORD.format(record_id=self.pick("records")), "service record")

    @task(4)
    def service_list(self) -> None:
        self.page(paths.SERVICE_LIST.format(code=self.me["project"]), "service list")

    @task(2)
    def waiting_list(self) -> None:
        self.page(paths.WAITING_LIST.format(code=self.me["project"]), "waiting list")

    @task(4)
    def record_a_service(self) -> None:
        case_id = self.pick("cases")
        html = self.page(paths.SERVICE_NEW, "record service: form", case=case_id)
        if not html:
            return
        # the form's own date and times (the last hour), the plan's item, the case ticked
        note = "负荷测试：一对一康复训练记录。"
        fields = replace(form_fields(html, "service_item"), content=note)
        with self.client.post(
            f"{paths.SERVICE_NEW}?case={case_id}",
            files=[(name, (None, value)) for name, value in fields],  # multipart, as the form
            name="record service: post",
            allow_redirects=False,
            catch_response=True,
        ) as response:
            location = response.headers.get("Location", "")
            if response.status_code != 302 or not _RECORDED.match(location):
                found = _ERROR.search(response.text)
                reason = found.group(1).strip() if found else ""
                response.failure(f"not recorded: {response.status_code} {reason}")

    @task(3)
    def hotline_calls(self) -> None:
        self.page(paths.HOTLINE_CALLS.format(code=self.me["project"]), "hotline calls")

    @task(2)
    def dashboard(self) -> None:
        self.page(paths.DASHBOARD.format(code=self.me["project"]), "contract dashboard")

    @task(4)
    def api_search(self) -> None:
        self.api(paths.API_CLIENTS, "API: client search", q=self.pick("searches"))

    @task(4)
    def api_client(self) -> None:
        self.api(paths.API_CLIENT.format(client_id=self.pick("clients")), "API: client")

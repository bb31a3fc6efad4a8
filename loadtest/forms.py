"""The fields a browser would send for an HTML form, read with the standard library's parser
(the load test posts the service-recording form as a person would: what the page pre-fills,
plus the fields a person changes). Plain Python: no locust, no Django."""

from __future__ import annotations

from html.parser import HTMLParser


class _FormFields(HTMLParser):
    def __init__(self, marker: str) -> None:
        super().__init__(convert_charrefs=True)
        self.marker = marker  # a field name that identifies the wanted form
        self.forms: list[list[tuple[str, str]]] = []
        self._fields: list[tuple[str, str]] | None = None
        self._select: str | None = None
        self._select_multiple = False
        self._options: list[tuple[str, bool]] = []
        self._textarea: str | None = None
        self._text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form":
            self._fields = []
        elif self._fields is None:
            return
        elif tag == "input" and a.get("name"):
            kind = a.get("type", "text").lower()
            if kind in {"checkbox", "radio"}:
                if "checked" in a:
                    self._fields.append((a["name"], a.get("value", "on")))
            elif kind not in {"file", "submit", "button", "reset", "image"}:
                self._fields.append((a["name"], a.get("value", "")))
        elif tag == "select" and a.get("name"):
            self._select, self._select_multiple, self._options = a["name"], "multiple" in a, []
        elif tag == "option" and self._select is not None:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and a.get("name"):
            self._textarea, self._text = a["name"], []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if self._fields is None:
            return
        if tag == "select" and self._select is not None:
            chosen = [value for value, selected in self._options if selected]
            if not chosen and not self._select_multiple and self._options:
                chosen = [self._options[0][0]]  # what a browser submits for a plain select
            self._fields.extend((self._select, value) for value in chosen)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self._fields.append((self._textarea, "".join(self._text).removeprefix("\n")))
            self._textarea = None
        elif tag == "form":
            self.forms.append(self._fields)
            self._fields = None


def form_fields(html: str, marker: str) -> list[tuple[str, str]]:
    """The (name, value) pairs the first form holding a field named ``marker`` submits."""
    parser = _FormFields(marker)
    parser.feed(html)
    for fields in parser.forms:
        if any(name == marker for name, _value in fields):
            return fields
    raise ValueError(f"no form with a field {marker!r}")


def replace(fields: list[tuple[str, str]], **values: str) -> list[tuple[str, str]]:
    """``fields`` with the named fields set to ``values`` (added if missing)."""
    kept = [(name, value) for name, value in fields if name not in values]
    return kept + list(values.items())

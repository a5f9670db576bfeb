"""Forms as a browser reads them off a page, and what it sends when one is submitted.

A test types into the fields a user would and sends everything else as the page gave it, the
CSRF token included: nothing is sent that the page did not offer.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser

TEXT_INPUTS = {"text", "hidden", "password", "email", "tel", "number", "date", "search", "url"}


@dataclass
class Form:
    """One <form>: where it goes, how, and its fields with the values the page filled in."""

    action: str
    method: str
    enctype: str
    values: list[tuple[str, str]] = field(default_factory=list)
    names: set[str] = field(default_factory=set)  # every field a user can fill in or pick
    buttons: set[tuple[str, str]] = field(default_factory=set)  # named submit buttons

    def data(self, typed: dict[str, str], button: tuple[str, str] | None = None) -> dict[str, str]:
        """What the browser sends: the page's values, what the user typed, the button pressed."""
        unknown = set(typed) - self.names
        assert not unknown, f"the form has no field {unknown}"
        sent = dict(self.values)
        sent.update(typed)
        if button is not None:
            assert button in self.buttons, f"the form has no button {button}"
            sent[button[0]] = button[1]
        return sent


class _FormReader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self.form: Form | None = None
        self.by_id: dict[str, Form] = {}
        self.select_form: Form | None = None
        self.textarea_form: Form | None = None
        self.select: str | None = None
        self.select_first: tuple[str, str] | None = None
        self.select_chosen = False
        self.option: dict[str, str | None] | None = None
        self.textarea: tuple[str, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v if v is not None else "" for k, v in attrs}
        if tag == "form":
            self.form = Form(
                a.get("action", ""),
                a.get("method", "get").lower(),
                a.get("enctype", "application/x-www-form-urlencoded"),
            )
            self.forms.append(self.form)
            if "id" in a:
                self.by_id[a["id"]] = self.form
            return
        # A control belongs to the form its `form` attribute names, else to the one around it.
        owner = self.by_id.get(a["form"]) if "form" in a else self.form
        if tag == "option":
            owner = self.select_form if self.select is not None else None
        if owner is None or ("name" not in a and tag != "option"):
            return
        name = a.get("name", "")
        if tag == "input":
            kind = a.get("type", "text").lower()
            if kind == "submit":
                owner.buttons.add((name, a.get("value", "")))
                return
            owner.names.add(name)
            if kind in TEXT_INPUTS:
                owner.values.append((name, a.get("value", "")))
            elif kind in ("checkbox", "radio") and "checked" in a:
                owner.values.append((name, a.get("value", "on")))
        elif tag == "button" and a.get("type", "submit") == "submit":
            owner.buttons.add((name, a.get("value", "")))
        elif tag == "textarea":
            owner.names.add(name)
            self.textarea, self.textarea_form = (name, []), owner
        elif tag == "select":
            owner.names.add(name)
            self.select, self.select_first, self.select_chosen = name, None, False
            self.select_form = owner
        elif tag == "option" and self.select is not None:
            self.option = {"value": a.get("value"), "selected": a.get("selected"), "text": ""}

    def handle_data(self, data: str) -> None:
        if self.textarea is not None:
            self.textarea[1].append(data)
        if self.option is not None:
            self.option["text"] = (self.option["text"] or "") + data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.form = None
        elif tag == "textarea" and self.textarea is not None and self.textarea_form is not None:
            name, text = self.textarea
            self.textarea_form.values.append((name, "".join(text).removeprefix("\n")))
            self.textarea = None
        elif tag == "option" and self.option is not None and self.select is not None:
            value = self.option["value"]
            chosen = (self.select, value if value is not None else (self.option["text"] or ""))
            if self.select_first is None:
                self.select_first = chosen
            if self.option["selected"] is not None and not self.select_chosen:
                self.select_chosen = True
                assert self.select_form is not None
                self.select_form.values.append(chosen)
            self.option = None
        elif tag == "select" and self.select is not None:
            if not self.select_chosen and self.select_first is not None and self.select_form:
                self.select_form.values.append(self.select_first)
            self.select = None


def forms_on(html: str) -> list[Form]:
    reader = _FormReader()
    reader.feed(html)
    reader.close()
    return reader.forms


def form_on(html: str, action: str) -> Form:
    """The one form of the page that goes to `action` ("" for a form that posts to its page)."""
    found = [form for form in forms_on(html) if form.action.split("?")[0] == action]
    assert len(found) == 1, (action, [form.action for form in forms_on(html)])
    return found[0]

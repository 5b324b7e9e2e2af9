"""The two ways a domain action refuses: invalid input (422 at the fields) or a conflict (409).

Services raise these before, or instead of, writing; they know nothing of requests. The web
answers them in one place (``portal.views.errors`` and ``portal.forms.submit``), the API in
its own; whatever was written inside the action's savepoint is rolled back.

Messages are English. ``N_`` marks one for the translation catalogues without importing
anything of the web: ``N_("%(email)s is already a member of this group.", email=user.email)``
is the English text (a ``str``), and keeps its template and values so the End User Portal
translates it at the edge (``portal.i18n.translate``). The API answers the English text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any


class Message(str):
    """An English message that remembers the template and values it was made from."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, **values: Any) -> Message:
        message = super().__new__(cls, template % values if values else template)
        message.template = template
        message.values = values
        return message


def N_(template: str, **values: Any) -> Message:  # noqa: N802 (gettext's name for a no-op marker)
    """Mark an English message for the catalogues; format it with ``values`` (``%(name)s``)."""
    return Message(template, **values)


class Invalid(Exception):
    """Input that breaks a rule: messages keyed by form field (422, shown at each field).

    ``line`` names the line of a repeated group of fields (a bundle order's lines) the
    messages belong to, counted among the lines that were filled in.
    """

    def __init__(self, errors: Mapping[str, str | Sequence[str]], line: int | None = None):
        self.errors: dict[str, list[str]] = {
            name: [messages] if isinstance(messages, str) else list(messages) for name, messages in errors.items()
        }
        self.line = line
        super().__init__("; ".join(self.messages))

    @classmethod
    def at(cls, field: str, message: str, line: int | None = None) -> Invalid:
        """One message at one field."""
        return cls({field: message}, line)

    @property
    def messages(self) -> list[str]:
        return [message for messages in self.errors.values() for message in messages]


class Conflict(Exception):
    """The state of the data refuses the change, perhaps just taken by another request (409).

    ``code`` is the stable name the API answers with (``no_floating_seat``, ``cap_reached``, …);
    the web shows the message.
    """

    def __init__(self, message: str, code: str = "conflict"):
        super().__init__(message)
        self.message = message
        self.code = code

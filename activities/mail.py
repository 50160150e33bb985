"""Email notices over SMTP (`SMTP_HOST`...; no host: email is off and email notices are skipped).

The message carries a Message-ID made from the notice's id and key, so a retry after a lost reply
sends a message the receiving side can recognise as the same one.
"""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid


@dataclass(frozen=True)
class MailSettings:
    host: str = ""
    port: int = 25
    username: str = ""
    password: str = ""
    sender: str = "liudan@localhost"
    sender_name: str = "六单诉求办理"
    starttls: bool = False

    @property
    def enabled(self) -> bool:
        return bool(self.host)


class MailRefused(Exception):
    """The server refused the recipient for good: not retried."""


class SmtpMail:
    def __init__(self, settings: MailSettings) -> None:
        self._settings = settings

    @property
    def enabled(self) -> bool:
        return self._settings.enabled

    async def send(self, notification_id: int, to: str, subject: str, body: str) -> str:
        message = EmailMessage()
        message["From"] = formataddr((self._settings.sender_name, self._settings.sender))
        message["To"] = to
        message["Subject"] = subject
        domain = self._settings.sender.rpartition("@")[2] or "localhost"
        message["Message-ID"] = make_msgid(idstring=f"notice-{notification_id}", domain=domain)
        message.set_content(body)
        await asyncio.to_thread(self._deliver, message)
        return str(message["Message-ID"])

    def _deliver(self, message: EmailMessage) -> None:
        s = self._settings
        with smtplib.SMTP(s.host, s.port, timeout=15) as smtp:
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context())
            if s.username:
                smtp.login(s.username, s.password)
            try:
                smtp.send_message(message)
            except smtplib.SMTPRecipientsRefused as refused:
                raise MailRefused(f"the mail server refused {message['To']}") from refused

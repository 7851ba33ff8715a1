"""E-mail over TLS from the first byte and over STARTTLS, to a server whose certificate is
trusted through the configured CA file, with authentication; a server whose certificate is not
trusted, or that refuses the login, takes nothing."""

import datetime
import ipaddress
import ssl
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from delivery.failures import Permanent, Temporary
from delivery.mail import SmtpServer, send_mail
from tests.support.smtp import ScriptedSmtp, free_port

# The relay encrypted from the first byte does ask for AUTH; aiosmtpd cannot tell and warns.
pytestmark = pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "aftersales test relay")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    (folder / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (folder / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return folder / "cert.pem", folder / "key.pem"


def _context(certificate: tuple[Path, Path]) -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(*certificate)
    return context


def _authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
    good = isinstance(data, LoginPassword) and (data.login, data.password) == (b"relay-user", b"relay-pass")
    return AuthResult(success=good, handled=False)


def message() -> EmailMessage:
    m = EmailMessage()
    m["Subject"], m["From"], m["To"] = (
        "【售后服务监管】测试",
        "noreply@aftersales.example",
        "a@scjg.example.cn",
    )
    m.set_content("正文")
    return m


@pytest.fixture(params=["tls", "starttls"])
def relay(
    request: pytest.FixtureRequest, certificate: tuple[Path, Path]
) -> Iterator[tuple[ScriptedSmtp, str]]:
    handler, port, security = ScriptedSmtp(), free_port(), request.param
    options: dict[str, Any] = {"authenticator": _authenticator, "auth_required": True}
    if security == "tls":  # encrypted from the first byte: aiosmtpd counts only STARTTLS as TLS for AUTH
        options |= {"ssl_context": _context(certificate), "auth_require_tls": False}
    else:
        options |= {"tls_context": _context(certificate), "require_starttls": True}
    controller = Controller(handler, hostname="127.0.0.1", port=port, **options)
    controller.start()
    handler.port = port
    yield handler, security
    controller.stop()


async def test_mail_goes_encrypted_and_authenticated(
    relay: tuple[ScriptedSmtp, str], certificate: tuple[Path, Path]
) -> None:
    handler, security = relay
    server = SmtpServer(
        "127.0.0.1",
        handler.port,
        security,
        "relay-user",
        "relay-pass",
        ca_file=str(certificate[0]),  # type: ignore[arg-type]
    )
    assert "queued as" in await send_mail(server, message())
    assert [m["Subject"] for m in handler.received] == ["【售后服务监管】测试"]


async def test_an_untrusted_certificate_or_a_wrong_password_takes_nothing(
    relay: tuple[ScriptedSmtp, str], certificate: tuple[Path, Path]
) -> None:
    handler, security = relay
    untrusted = SmtpServer("127.0.0.1", handler.port, security, "relay-user", "relay-pass")  # type: ignore[arg-type]
    with pytest.raises(Temporary, match="could not be reached"):
        await send_mail(untrusted, message())
    wrong = SmtpServer("127.0.0.1", handler.port, security, "relay-user", "nope", ca_file=str(certificate[0]))  # type: ignore[arg-type]
    with pytest.raises(Permanent, match="SMTP 535"):
        await send_mail(wrong, message())
    assert handler.received == []

"""A real SMTP server on 127.0.0.1 for the tests (aiosmtpd): every message it accepts is
written to the spool folder as N.eml (the bytes as received, after dot-unstuffing) and
N.json (the envelope), so a test can compare them byte for byte.

Options model what real servers do: require a login (AUTH PLAIN/LOGIN), speak TLS from
the first byte or after STARTTLS, answer one SMTP step with a given reply (a 4xx or 5xx),
or hang up at a step. The port is written to --port-file once the server listens.
"""

import argparse
import json
import os
import signal
import socket
import ssl
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Spool:
    def __init__(self, folder, replies, hang_up):
        self.folder = folder
        self.replies = replies
        self.hang_up = hang_up
        self.count = 0

    def _special(self, server, step):
        if self.hang_up == step:
            server.transport.close()
            return True, None
        if step in self.replies:
            return True, self.replies[step]
        return False, None

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        special, reply = self._special(server, "mail")
        if special:
            return reply or ""
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        special, reply = self._special(server, "rcpt")
        if special:
            return reply or ""
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        special, reply = self._special(server, "data")
        if special:
            return reply or ""
        self.count += 1
        base = os.path.join(self.folder, str(self.count))
        with open(base + ".eml.tmp", "wb") as f:
            f.write(envelope.original_content)
        with open(base + ".json", "w") as f:
            json.dump(
                {
                    "mail_from": envelope.mail_from,
                    "rcpt_tos": envelope.rcpt_tos,
                    "login": session.auth_data.login.decode()
                    if isinstance(session.auth_data, LoginPassword)
                    else None,
                    "tls": server.transport.get_extra_info("sslcontext") is not None,
                },
                f,
            )
        os.replace(base + ".eml.tmp", base + ".eml")
        return "250 2.0.0 Message accepted for delivery"


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--spool", required=True)
    parser.add_argument("--auth", help="USER:PASSWORD the login must give")
    parser.add_argument("--cert")
    parser.add_argument("--key")
    parser.add_argument("--tls", choices=["implicit", "starttls"])
    parser.add_argument("--reply", action="append", default=[], help="STEP=REPLY (mail, rcpt, data)")
    parser.add_argument("--hang-up", choices=["mail", "rcpt", "data"])
    args = parser.parse_args()

    replies = {}
    for item in args.reply:
        step, _, reply = item.partition("=")
        replies[step] = reply

    kwargs = {}
    if args.auth:
        user, _, password = args.auth.partition(":")

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = (
                isinstance(auth_data, LoginPassword)
                and auth_data.login.decode() == user
                and auth_data.password.decode() == password
            )
            return AuthResult(success=ok, handled=False, auth_data=auth_data)

        kwargs.update(authenticator=authenticator, auth_required=True, auth_require_tls=args.tls == "starttls")
        # aiosmtpd counts only STARTTLS as TLS for AUTH; a TLS port is encrypted from
        # the first byte, so it offers AUTH as real submission servers on 465 do.
    context = None
    if args.tls:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(args.cert, args.key)
    if args.tls == "implicit":
        kwargs["ssl_context"] = context
    elif args.tls == "starttls":
        kwargs.update(tls_context=context, require_starttls=True)

    port = free_port()
    controller = Controller(
        Spool(args.spool, replies, args.hang_up),
        hostname="127.0.0.1",
        port=port,
        server_hostname="smtp.test",
        ident="relay-test-smtp",
        **kwargs,
    )
    controller.start()
    with open(args.port_file + ".tmp", "w") as f:
        f.write(str(port))
    os.replace(args.port_file + ".tmp", args.port_file)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()


if __name__ == "__main__":
    main()

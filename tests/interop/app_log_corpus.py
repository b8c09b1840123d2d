#!/usr/bin/env python3
"""A deterministic corpus of ordinary application log records, with planted personal data.

    python3 app_log_corpus.py --seed 14 --count 3000 --out corpus.jsonl \
        --pii-out planted.jsonl --keep-out keep.jsonl

What services send to the sidecar besides audit events: web access logs, auth-service logs,
database logs, payment logs, outbound-integration logs, support/notification logs and plain
noise (health checks, cache statistics). Never an audit event: no body, map or JSON string,
has the top-level keys of an audit envelope (`type` with `context` or `payload`, or
`activityType`).

Output files (UTF-8, one JSON object per line):

--out corpus.jsonl     one record per line, in order:
                         {"body": str | object, "attributes": {key: value}, "severity":
                          "DEBUG" | "INFO" | "WARN" | "ERROR", "scope": str}
                       Attribute keys are flat OpenTelemetry names (`http.request.method`,
                       `user.email`) or application keys (`billingAddress`); values are strings,
                       ints, floats, booleans, lists of strings, or (rarely) objects.
--pii-out planted.jsonl
                       one line per planted value:
                         {"value", "class", "group", "where", "how", "record", "key"}
                       class: the kind of value (email, phone_intl, basic_auth, name, ...);
                       group: detector | credential | name | address | postcode | username |
                              user_agent | phone_national;
                       where: attribute | string_body | map_body;
                       how:   named_key (under an attribute or map key that names what it is,
                              or in a JSON object written as a string body) | free_text (inside
                              prose, a URL, a query, a header value, a connection string);
                       record: the record's index; key: the attribute or map path it is under
                              ("" in a string body).
--keep-out keep.jsonl  one line per value that must arrive unchanged (routes, enums, host names,
                       ids, harmless query parameters):
                         {"value", "where", "key", "record"}
                       where: attribute (the value is in attribute `key`) | string_body |
                       map_body (somewhere in the map body; `key` says where).

Every planted value is unique in the corpus and no planted value contains another, so a
substring search of what arrived is exact (the consuming test checks this, and so does
`--check`). A credential is planted as its secret part: the base64 of a Basic credential, a
Digest `response`, a cookie's session value, the first 12 to 16 characters of a connection
string's password (so a redaction of only its tail still counts as a leak), the second line of a
PEM private key (the first line of real keys shares an ASN.1 prefix), a bearer token without
`Bearer `.

Only the Python standard library.
"""
from __future__ import annotations

import argparse
import base64
import json
import random
import string
import sys
import unicodedata

GROUP = {
    # found by value detectors
    "email": "detector",
    "phone_intl": "detector",
    "ipv4": "detector",
    "ipv6": "detector",
    "card": "detector",
    "jwt": "detector",
    "bearer": "detector",
    "url_secret": "detector",
    "otp": "detector",
    # credentials
    "basic_auth": "credential",
    "digest_auth": "credential",
    "api_key": "credential",
    "cookie": "credential",
    "conn_password": "credential",
    "aws_access_key": "credential",
    "aws_secret_key": "credential",
    "google_api_key": "credential",
    "private_key": "credential",
    "password": "credential",
    # the rest
    "name": "name",
    "address": "address",
    "postcode": "postcode",
    "username": "username",
    "user_agent": "user_agent",
    "phone_national": "phone_national",
}

GIVEN = [
    "Amara", "Priya", "Mateo", "Zofia", "Oluwaseun", "Hiroshi", "Ingrid", "Rafael", "Siobhan",
    "Tomasz", "Yuki", "Fatima", "Lorenzo", "Aisha", "Bjorn", "Camille", "Dmitri", "Esperanza",
    "Farid", "Greta", "Hamza", "Imogen", "Javier", "Kwame", "Leilani", "Magnus", "Nadia",
    "Olamide", "Pavel", "Quentin", "Rosalind", "Santiago", "Thandiwe", "Ulrich", "Valentina",
    "Wilhelmina", "Xiomara", "Yusuf", "Zainab", "Anneliese", "Bartholomew", "Cressida",
    "Desmond", "Eleanor", "Florian", "Giovanna", "Horatio", "Isidora", "Jolene", "Kasimir",
    "Ludmila", "Marisol", "Nikolai", "Ophelia", "Percival", "Rasmus", "Svetlana", "Tobias",
    "Ursula", "Vikram", "Winifred", "Xavier", "Yolanda", "Zebulon", "Zoë", "José", "Søren",
    "Łukasz", "Anaïs", "Björk", "Chidi", "Dagny", "Ebele", "Fionnuala", "Gwendolyn", "Hyun-woo",
    "Ifeoma", "Jaroslav", "Kalani", "Lucinda", "Meredith", "Nkechi", "Octavia", "Padma",
    "Reinhardt", "Saoirse", "Thaddeus", "Uchenna", "Vesna", "Wendell", "Ximena", "Yevgenia",
]

FAMILY = [
    "Kovacs", "Okonkwo", "Nakamura", "Lindqvist", "Fitzgerald", "Castellanos", "Wojcik",
    "Abernathy", "Balogun", "Chatterjee", "Delacroix", "Esposito", "Fairweather", "Grunewald",
    "Haverford", "Ibarra", "Jankowski", "Kiplagat", "Lautrec", "Montgomery", "Nwachukwu",
    "Oyelaran", "Pemberton", "Quintanilla", "Rasmussen", "Szczepanski", "Thornbury",
    "Underwood", "Valdivia", "Whitlock", "Yamaguchi", "Zeller", "Achterberg", "Blackwood",
    "Cavendish", "Drummond", "Eriksson", "Featherstone", "Gallagher", "Holloway", "Iwasaki",
    "Jovanovic", "Kowalczyk", "Lockhart", "Mbeki", "Nordstrom", "Oduya", "Pellegrino",
    "Quarshie", "Radcliffe", "Sorensen", "Takahashi", "Umarov", "Vasquez", "Wainwright",
    "Xenakis", "Yoshida", "Zamora", "Albrecht", "Beaumont", "Carrington", "Dunmore",
    "Ellsworth", "Fontaine", "Greenhalgh", "Hargreaves", "Ilunga", "Jespersen", "Kavanagh",
    "Lindgren", "Marchetti", "Nascimento", "Ormsby", "Petrovic", "Quayle", "Rutherford",
    "Stavropoulos", "Tremblay", "Ueda", "Villanueva", "Whitmore", "Yeboah", "Zielinski",
    "Müller", "Gonçalves", "Ødegaard", "Šimunić", "Nguyễn", "Brennan", "Castillo",
    "Dragomir", "Egwu", "Fernsby", "Galloway", "Hutchinson", "Ishikawa", "Jablonski",
]

STREETS = [
    "Quillmore", "Larkspur", "Hawthorne", "Juniper", "Marigold", "Ashcombe", "Briarwood",
    "Cobblestone", "Dovecote", "Elderberry", "Foxglove", "Goldcrest", "Heatherly", "Ivybridge",
    "Kestrel", "Lavender", "Meadowsweet", "Nightingale", "Orchard", "Primrose", "Quarry",
    "Rosebay", "Sandpiper", "Thistledown", "Upland", "Violet", "Willowbrook", "Yarrow",
    "Amberley", "Bellflower", "Chalkpit", "Driftwood", "Eastwick", "Fennimore", "Glenholme",
    "Harrowgate", "Inkerman", "Jessamine", "Kingfisher", "Lindenhurst",
]
SUFFIXES = ["Street", "Avenue", "Road", "Lane", "Drive", "Court", "Way", "Terrace", "Crescent"]
CITIES = ["Springfield", "Riverton", "Lakeside", "Fairview", "Millbrook", "Ashford", "Kingsport"]
DOMAINS = [
    "gmail.com", "outlook.com", "proton.me", "yahoo.co.uk", "icloud.com", "fastmail.fm",
    "northwind-traders.com", "web.de", "orange.fr",
]
WORDS = [
    "blue", "falcon", "river", "pixel", "maple", "storm", "lunar", "cobalt", "ember", "quartz",
    "tiger", "velvet", "comet", "harbor", "nimbus", "orchid", "raven", "summit", "tundra",
]

B64URL = string.ascii_letters + string.digits + "-_"
B64 = string.ascii_letters + string.digits + "+/"
ALNUM = string.ascii_letters + string.digits
LOWER_ALNUM = string.ascii_lowercase + string.digits
HEX = "0123456789abcdef"
BASE32 = string.ascii_uppercase + "234567"

SERVICES_HOSTS = [
    "api.acme-shop.example", "auth.acme-shop.example", "checkout.acme-shop.example",
    "orders-db.internal", "cache-1.internal", "billing.partner.example",
]
ROUTES = [
    ("GET", "/api/v1/orders/{order_id}", "/api/v1/orders/{id}"),
    ("POST", "/api/v1/orders", "/api/v1/orders"),
    ("GET", "/api/v1/users/{user_id}/profile", "/api/v1/users/{id}/profile"),
    ("PUT", "/api/v1/users/{user_id}/address", "/api/v1/users/{id}/address"),
    ("POST", "/api/v1/checkout/{cart_id}/pay", "/api/v1/checkout/{id}/pay"),
    ("GET", "/api/v1/products", "/api/v1/products"),
    ("DELETE", "/api/v1/sessions/{session_id}", "/api/v1/sessions/{id}"),
    ("POST", "/oauth/token", "/oauth/token"),
    ("GET", "/oauth/callback", "/oauth/callback"),
    ("POST", "/login", "/login"),
]


def fold(s: str) -> str:
    """Lower-case ASCII letters of s (accents dropped), for emails and usernames."""
    table = {"ł": "l", "Ł": "l", "ø": "o", "Ø": "o", "đ": "d"}
    s = "".join(table.get(c, c) for c in s)
    s = unicodedata.normalize("NFKD", s)
    return "".join(c for c in s.lower() if "a" <= c <= "z")


def _without_affix_clashes(words: list[str], suffix: bool) -> list[str]:
    """Drops words that another word starts (prefix) or ends (suffix) with, so that planted
    values built from them cannot contain one another."""
    out = []
    for w in words:
        lw = fold(w) or w.lower()
        clash = False
        for o in words:
            lo = fold(o) or o.lower()
            if o != w and lo != lw and (lo.endswith(lw) if suffix else lo.startswith(lw)):
                clash = True
                break
        if not clash:
            out.append(w)
    return out


GIVEN = _without_affix_clashes(GIVEN, suffix=True)
FAMILY = _without_affix_clashes(FAMILY, suffix=False)


class Corpus:
    def __init__(self, seed: int):
        self.r = random.Random(seed)
        self.records: list[dict] = []
        self.planted: list[dict] = []
        self.keep: list[dict] = []
        self.used: set[str] = set()
        self.phone_tails: set[str] = set()
        self.ip_middles: set[tuple[int, int]] = set()
        self.otps: set[str] = set()
        self.windows: set[str] = set()  # 6-digit windows of digit runs in planted values
        self.chrome_builds: set[str] = set()
        self.street_numbers: dict[tuple[str, str], list[str]] = {}
        self.i = 0  # current record index

    # ---- bookkeeping -------------------------------------------------------------------

    def rs(self, alphabet: str, n: int) -> str:
        return "".join(self.r.choice(alphabet) for _ in range(n))

    def rs_safe(self, alphabet: str, n: int) -> str:
        """Random text that is not planted: never 6 digits in a row (so it cannot hold an OTP)."""
        while True:
            v = self.rs(alphabet, n)
            if not self._digit_windows(v):
                return v

    def _digit_windows(self, value: str) -> set[str]:
        out, run = set(), ""
        for c in value + "x":
            if c.isdigit():
                run += c
                continue
            for k in range(len(run) - 5):
                out.add(run[k : k + 6])
            run = ""
        return out

    def fresh(self, make) -> str:
        """A value from make() that was never planted and cannot hide an OTP code."""
        for _ in range(1000):
            v = make()
            if v in self.used:
                continue
            w = self._digit_windows(v)
            if w & self.otps:
                continue
            self.used.add(v)
            self.windows |= w
            return v
        raise RuntimeError("cannot make a fresh value")

    def plant(self, value: str, cls: str, where: str, how: str, key: str = "") -> str:
        self.planted.append(
            {
                "value": value,
                "class": cls,
                "group": GROUP[cls],
                "where": where,
                "how": how,
                "record": self.i,
                "key": key,
            }
        )
        return value

    def keep_value(self, value: str, where: str, key: str = "") -> str:
        self.keep.append({"value": value, "where": where, "key": key, "record": self.i})
        return value

    # ---- value makers: detector class --------------------------------------------------

    def email(self) -> str:
        def make():
            g, f = fold(self.r.choice(GIVEN)), fold(self.r.choice(FAMILY))
            d = self.r.choice(DOMAINS)
            n = self.r.randint(10, 99)
            form = self.r.randrange(3)
            if form == 0:
                return f"{g}.{f}{n}@{d}"
            if form == 1:
                return f"{g[0]}{f}{n}@{d}"
            return f"{g}-{f}.{self.rs(string.ascii_lowercase, 3)}@{d}"

        return self.fresh(make)

    def _phone_digits_fresh(self, digits: str) -> bool:
        tail = digits[-9:]
        if tail in self.phone_tails:
            return False
        self.phone_tails.add(tail)
        return True

    def phone_intl(self) -> str:
        def make():
            d = lambda n: self.rs(string.digits, n)  # noqa: E731
            nz = lambda: str(self.r.randint(2, 9))  # noqa: E731
            forms = [
                lambda: f"+1 {nz()}{d(2)} {nz()}{d(2)} {d(4)}",
                lambda: f"+1-{nz()}{d(2)}-{nz()}{d(2)}-{d(4)}",
                lambda: f"+44 7{d(3)} {d(6)}",
                lambda: f"+44 20 {nz()}{d(3)} {d(4)}",
                lambda: f"+49 15{d(1)} {nz()}{d(7)}",
                lambda: f"+33 6 {d(2)} {d(2)} {d(2)} {d(2)}",
                lambda: f"+91 9{d(4)} {d(5)}",
                lambda: f"+61 4{d(2)} {d(3)} {d(3)}",
                lambda: f"+81 90-{d(4)}-{d(4)}",
                lambda: f"+5511{nz()}{d(8)}",
                lambda: f"+447{d(9)}",
            ]
            v = self.r.choice(forms)()
            digits = "".join(c for c in v if c.isdigit())
            return v if self._phone_digits_fresh(digits) else v + "\x00"

        return self.fresh(lambda: _retry_nul(make))

    def phone_national(self) -> str:
        def make():
            d = lambda n: self.rs(string.digits, n)  # noqa: E731
            nz = lambda: str(self.r.randint(2, 9))  # noqa: E731
            forms = [
                lambda: f"({nz()}{d(2)}) {nz()}{d(2)}-{d(4)}",
                lambda: f"{nz()}{d(2)}-{nz()}{d(2)}-{d(4)}",
                lambda: f"07{d(3)} {d(6)}",
                lambda: f"020 {nz()}{d(3)} {d(4)}",
                lambda: f"0151 {nz()}{d(7)}",
                lambda: f"06 {d(2)} {d(2)} {d(2)} {d(2)}",
            ]
            v = self.r.choice(forms)()
            digits = "".join(c for c in v if c.isdigit())
            return v if self._phone_digits_fresh(digits) else v + "\x00"

        return self.fresh(lambda: _retry_nul(make))

    def ipv4(self) -> str:
        def make():
            while True:
                b, c = self.r.randint(0, 255), self.r.randint(0, 255)
                if (b, c) not in self.ip_middles:
                    break
            self.ip_middles.add((b, c))
            a = self.r.choice([self.r.randint(11, 99), self.r.randint(100, 223)])
            if a in (127, 169, 172, 192):
                a = 81
            return f"{a}.{b}.{c}.{self.r.randint(2, 254)}"

        return self.fresh(make)

    def ipv6(self) -> str:
        def group():
            return self.rs(HEX, 4).lstrip("0") or "0"

        def make():
            head = self.r.choice(["2a02", "2001", "2600", "2a01", "2406"])
            groups = [head] + [group() for _ in range(7)]
            groups[-1] = self.rs("123456789abcdef", 1) + self.rs(HEX, 3)
            if self.r.random() < 0.3:
                return ":".join(groups[:3]) + "::" + ":".join(groups[5:])
            return ":".join(groups)

        return self.fresh(make)

    def card(self) -> str:
        def make():
            brand = self.r.choice(["visa", "mc", "amex", "discover"])
            if brand == "amex":
                body = self.r.choice(["34", "37"]) + self.rs(string.digits, 12)
            elif brand == "mc":
                body = "5" + str(self.r.randint(1, 5)) + self.rs(string.digits, 13)
            elif brand == "discover":
                body = "6011" + self.rs(string.digits, 11)
            else:
                body = "4" + self.rs(string.digits, 14)
            num = body + luhn_digit(body)
            style = self.r.randrange(3)
            if style == 0:
                return num
            sep = " " if style == 1 else "-"
            if len(num) == 15:
                return sep.join([num[:4], num[4:10], num[10:]])
            return sep.join(num[k : k + 4] for k in range(0, 16, 4))

        return self.fresh(make)

    def jwt(self) -> str:
        def make():
            header = b64url(b'{"alg":"RS256","typ":"JWT","kid":"' + self.rs(HEX, 8).encode() + b'"}')
            claims = {
                "sub": "usr_" + self.rs(LOWER_ALNUM, 12),
                "iss": "https://auth.acme-shop.example",
                "iat": 1760000000 + self.r.randint(0, 9999999),
                "jti": self.rs(ALNUM, 16),
            }
            payload = b64url(json.dumps(claims, separators=(",", ":")).encode())
            return f"{header}.{payload}.{self.rs(B64URL, 43)}"

        return self.fresh(make)

    def bearer(self) -> str:
        return self.fresh(lambda: self.rs(ALNUM, 1) + self.rs(ALNUM + "._~-", self.r.randint(31, 47)))

    def url_secret(self) -> str:
        def make():
            kind = self.r.randrange(3)
            if kind == 0:
                return self.rs(ALNUM, 24)
            if kind == 1:
                return self.rs(HEX, 32)
            return self.rs(B64URL, 40).lstrip("-_") or "x"

        return self.fresh(make)

    def otp(self) -> str:
        for _ in range(1000):
            v = str(self.r.randint(100000, 999999))
            if v in self.otps or v in self.windows or v in self.used:
                continue
            self.otps.add(v)
            self.used.add(v)
            return v
        raise RuntimeError("no fresh OTP")

    # ---- value makers: credentials -----------------------------------------------------

    def basic(self) -> str:
        def make():
            user = self.r.choice(["partner", "svc", "billing", "sync", "export"]) + "_" + self.rs(LOWER_ALNUM, 5)
            return base64.b64encode(f"{user}:{self.rs(ALNUM + '!#$%*', 14)}".encode()).decode()

        return self.fresh(make)

    def digest_response(self) -> str:
        return self.fresh(lambda: self.rs(HEX, 32))

    def api_key(self) -> str:
        def make():
            form = self.r.randrange(5)
            if form == 0:
                return self.rs(HEX, 32)
            if form == 1:
                h = self.rs(HEX, 32)
                return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"
            if form == 2:
                return "key-" + self.rs(HEX, 32)
            if form == 3:
                return f"SG.{self.rs(B64URL, 22)}.{self.rs(B64URL, 43)}"
            return "xkeysib-" + self.rs(HEX, 64) + "-" + self.rs(ALNUM, 16)

        return self.fresh(make)

    def session_value(self) -> tuple[str, str]:
        """(cookie name, session value)."""
        form = self.r.randrange(4)
        if form == 0:
            return "session_id", self.fresh(lambda: self.rs(ALNUM, 32))
        if form == 1:
            return "JSESSIONID", self.fresh(lambda: self.rs("0123456789ABCDEF", 32))
        if form == 2:
            return "connect.sid", self.fresh(lambda: "s%3A" + self.rs(B64URL, 32) + "." + self.rs(ALNUM, 43))
        return "_shop_session", self.fresh(lambda: self.rs(B64, 60) + "--" + self.rs(HEX, 40))

    def conn_pw(self, where: str, how: str, key: str = "") -> str:
        """A connection-string password; plants its first 12 to 16 characters (letters and
        digits) and returns the whole password. Half of them end in a few characters that URL
        userinfo allows (`~!$*`): a redaction that takes only the text after such a character
        (the e-mail detector's `local-part@host` does) still leaves the planted part."""
        head = self.fresh(lambda: self.rs(ALNUM, self.r.randint(12, 16)))
        self.plant(head, "conn_password", where, how, key)
        if self.r.random() < 0.5:
            return head
        return head + self.r.choice("~!$*") + self.rs_safe(ALNUM, self.r.randint(2, 4))

    def aws_access_key(self) -> str:
        return self.fresh(lambda: self.r.choice(["AKIA", "AKIA", "ASIA"]) + self.rs(BASE32, 16))

    def aws_secret(self) -> str:
        return self.fresh(lambda: self.rs(ALNUM, 1) + self.rs(ALNUM + "/+", 39))

    def google_key(self) -> str:
        return self.fresh(lambda: "AIza" + self.rs(ALNUM + "_-", 35))

    def private_key(self) -> tuple[str, str]:
        """(PEM block, planted line: its second line)."""
        kind = self.r.choice(["PRIVATE KEY", "RSA PRIVATE KEY", "EC PRIVATE KEY", "OPENSSH PRIVATE KEY"])
        first = {
            "PRIVATE KEY": "MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQ",
            "RSA PRIVATE KEY": "MIIEpAIBAAKCAQEA",
            "EC PRIVATE KEY": "MHcCAQEEI",
            "OPENSSH PRIVATE KEY": "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAA",
        }[kind]
        first = first + self.rs_safe(B64, 64 - len(first))
        second = self.fresh(lambda: self.rs(B64, 64))
        rest = [self.rs_safe(B64, 64) for _ in range(self.r.randint(1, 3))] + [self.rs_safe(B64, 20) + "=="]
        pem = "\n".join([f"-----BEGIN {kind}-----", first, second, *rest, f"-----END {kind}-----"])
        return pem, second

    def password(self) -> str:
        def make():
            core = self.rs(ALNUM, self.r.randint(8, 12))
            return core[:3] + self.r.choice("!#$*?-.") + core[3:] + str(self.r.randint(10, 99))

        return self.fresh(make)

    # ---- value makers: the rest --------------------------------------------------------

    def name(self) -> str:
        return self.fresh(lambda: f"{self.r.choice(GIVEN)} {self.r.choice(FAMILY)}")

    def name_parts(self) -> str:
        return self.name()

    def address(self) -> str:
        def make():
            street, suffix = self.r.choice(STREETS), self.r.choice(SUFFIXES)
            n = str(self.r.randint(2, 9899))
            taken = self.street_numbers.setdefault((street, suffix), [])
            if any(t.endswith(n) or n.endswith(t) for t in taken):
                return ""
            taken.append(n)
            return f"{n} {street} {suffix}"

        return self.fresh(lambda: _retry_empty(make))

    def postcode(self) -> str:
        def make():
            L = lambda n: self.rs("ABCDEFGHJKLMNPRSTUWXYZ", n)  # noqa: E731
            d = lambda n: self.rs(string.digits, n)  # noqa: E731
            form = self.r.randrange(5)
            if form == 0:
                return f"{L(2)}{d(1)} {d(1)}{L(2)}"
            if form == 1:
                return f"{L(2)}{d(2)} {d(1)}{L(2)}"
            if form == 2:
                return f"{L(2)}{d(1)}{L(1)} {d(1)}{L(2)}"
            if form == 3:
                return f"{self.r.randint(10000, 99999)}-{d(4)}"
            return f"{L(1)}{d(1)}{L(1)} {d(1)}{L(1)}{d(1)}"

        return self.fresh(make)

    def username(self) -> str:
        def make():
            g, f = fold(self.r.choice(GIVEN)), fold(self.r.choice(FAMILY))
            form = self.r.randrange(3)
            if form == 0:
                return f"{g[0]}{f}_{self.r.randint(1000, 9999)}"
            if form == 1:
                return f"{g}{f[0]}{self.r.randint(100, 999)}"
            return f"{self.r.choice(WORDS)}_{self.r.choice(WORDS)}{self.r.randint(10, 99)}"

        return self.fresh(make)

    def user_agent(self) -> str:
        def chrome_version():
            while True:
                v = f"{self.r.randint(118, 131)}.0.{self.r.randint(5000, 6999)}.{self.r.randint(10, 220)}"
                if v not in self.chrome_builds:
                    self.chrome_builds.add(v)
                    return v

        def make():
            form = self.r.randrange(6)
            if form == 0:
                os_ = self.r.choice(["Windows NT 10.0; Win64; x64", "X11; Linux x86_64",
                                     f"Macintosh; Intel Mac OS X 10_15_{self.r.randint(1, 7)}"])
                return (f"Mozilla/5.0 ({os_}) AppleWebKit/537.36 (KHTML, like Gecko) "
                        f"Chrome/{chrome_version()} Safari/537.36")
            if form == 1:
                cv = chrome_version()
                return (f"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
                        f"Chrome/{cv} Safari/537.36 Edg/{cv.split('.')[0]}.0.{self.r.randint(2000, 2999)}.{self.r.randint(10, 99)}")
            if form == 2:
                model = self.r.choice(["Pixel 8", "SM-S918B", "SM-A546B", "moto g84", "2201117TY"])
                return (f"Mozilla/5.0 (Linux; Android {self.r.randint(11, 14)}; {model}) AppleWebKit/537.36 "
                        f"(KHTML, like Gecko) Chrome/{chrome_version()} Mobile Safari/537.36")
            if form == 3:
                ios = f"{self.r.randint(15, 17)}_{self.r.randint(0, 7)}_{self.r.randint(1, 3)}"
                return (f"Mozilla/5.0 (iPhone; CPU iPhone OS {ios} like Mac OS X) AppleWebKit/605.1.15 "
                        f"(KHTML, like Gecko) Version/{ios.split('_')[0]}.{ios.split('_')[1]} "
                        f"Mobile/15E{self.r.randint(100, 999)}{self.rs('abcdef', 1)} Safari/604.1")
            if form == 4:
                return (f"AcmeShop/5.{self.r.randint(0, 30)}.{self.r.randint(0, 9)} (iPhone; iOS "
                        f"{self.r.randint(15, 17)}.{self.r.randint(0, 7)}.{self.r.randint(0, 3)}; Scale/3.00) "
                        f"build/{self.r.randint(10000, 99999)}")
            return (f"Dalvik/2.1.0 (Linux; U; Android {self.r.randint(11, 14)}; "
                    f"{self.r.choice(['SM-G991B', 'Pixel 7a', 'CPH2449'])} Build/UP1A.{self.r.randint(230000, 239999)}."
                    f"{self.r.randint(100, 999)})")

        return self.fresh(make)

    # ---- harmless values ---------------------------------------------------------------

    def user_id(self) -> str:
        return "usr_" + self.rs_safe(LOWER_ALNUM, 12)

    def order_id(self) -> str:
        return "ord_" + self.rs_safe(ALNUM, 10)

    def dur(self) -> int:
        return self.r.randint(2, 2400)

    # ---- records -----------------------------------------------------------------------

    def build(self, n: int) -> None:
        templates = [
            (self.http_access, 26),
            (self.auth, 20),
            (self.db, 13),
            (self.payment, 14),
            (self.integration, 10),
            (self.support, 9),
            (self.noise, 5),
            (self.json_string, 3),
        ]
        funcs = [t for t, _ in templates]
        weights = [w for _, w in templates]
        for i in range(n):
            self.i = i
            rec = self.r.choices(funcs, weights)[0]()
            assert not is_envelope(rec["body"]), rec
            self.records.append(rec)

    def rec(self, scope, severity, body, attributes) -> dict:
        return {"body": body, "attributes": attributes, "severity": severity, "scope": scope}

    # -- web access logs
    def http_access(self) -> dict:
        P, K = self.plant, self.keep_value
        method, route, _ = self.r.choice(ROUTES)
        path = route.replace("{order_id}", self.order_id()).replace("{user_id}", self.user_id())
        path = path.replace("{cart_id}", "cart_" + self.rs_safe(ALNUM, 8)).replace("{session_id}", "ses_" + self.rs_safe(ALNUM, 8))
        status = self.r.choice([200, 200, 200, 201, 204, 302, 400, 401, 403, 404, 429, 500, 503])
        sev = "INFO" if status < 400 else ("WARN" if status < 500 else "ERROR")
        a: dict = {
            "http.request.method": K(method, "attribute", "http.request.method"),
            "http.route": K(route, "attribute", "http.route"),
            "url.path": path,
            "url.scheme": "https",
            "http.response.status_code": status,
            "server.address": K(self.r.choice(SERVICES_HOSTS[:3]), "attribute", "server.address"),
            "server.port": 443,
            "network.protocol.version": "1.1",
            "http.server.request.duration_ms": self.dur(),
        }
        ip = self.ipv4() if self.r.random() < 0.8 else self.ipv6()
        a["client.address"] = P(ip, "ipv4" if "." in ip else "ipv6", "attribute", "named_key", "client.address")
        if self.r.random() < 0.5:
            a["network.peer.address"] = P(self.ipv4(), "ipv4", "attribute", "named_key", "network.peer.address")
        ua = P(self.user_agent(), "user_agent", "attribute", "named_key", "user_agent.original")
        a["user_agent.original"] = ua
        if self.r.random() < 0.6:
            a["user.id"] = K(self.user_id(), "attribute", "user.id")
        if self.r.random() < 0.3:
            a["http.request.header.content-type"] = [K("application/json", "attribute", "http.request.header.content-type")]
        if self.r.random() < 0.25:
            fwd = [P(self.ipv4(), "ipv4", "attribute", "named_key", "http.request.header.x-forwarded-for")]
            a["http.request.header.x-forwarded-for"] = fwd
        # credentials in headers
        roll = self.r.random()
        key = "http.request.header.authorization"
        if roll < 0.22:
            tok = P(self.bearer(), "bearer", "attribute", "named_key", key)
            a[key] = self._maybe_list(f"Bearer {tok}")
        elif roll < 0.34:
            tok = P(self.jwt(), "jwt", "attribute", "named_key", key)
            a[key] = self._maybe_list(f"Bearer {tok}")
        elif roll < 0.50:
            b = P(self.basic(), "basic_auth", "attribute", "named_key", key)
            a[key] = self._maybe_list(f"Basic {b}")
        elif roll < 0.58:
            resp = P(self.digest_response(), "digest_auth", "attribute", "named_key", key)
            a[key] = self._maybe_list(self._digest(resp))
        if self.r.random() < 0.35:
            ck = "http.request.header.cookie"
            name, val = self.session_value()
            P(val, "cookie", "attribute", "named_key", ck)
            a[ck] = self._maybe_list(f"{name}={val}; theme=dark; lang=en-US")
        if self.r.random() < 0.18:
            hk = "http.request.header.x-api-key"
            a[hk] = self._maybe_list(P(self.api_key(), "api_key", "attribute", "named_key", hk))
        if self.r.random() < 0.08:
            sk = "http.response.header.set-cookie"
            name, val = self.session_value()
            P(val, "cookie", "attribute", "named_key", sk)
            a[sk] = [f"{name}={val}; Path=/; HttpOnly; Secure; SameSite=Lax"]
        # URLs with secrets in the query
        query = ""
        qroll = self.r.random()
        if qroll < 0.18:
            sec = P(self.url_secret(), "url_secret", "attribute", "free_text", "url.query")
            pname = self.r.choice(["code", "token", "access_token", "state"])
            query = f"{pname}={sec}&next=%2Fhome"
            a["url.query"] = query
        elif qroll < 0.26:
            em = P(self.email(), "email", "attribute", "free_text", "url.query")
            query = f"email={em}&source=newsletter"
            a["url.query"] = query
        elif qroll < 0.32:
            un = P(self.username(), "username", "attribute", "free_text", "url.query")
            query = f"username={un}&remember=1"
            a["url.query"] = query
        if self.r.random() < 0.35:
            host = a["server.address"]
            if self.r.random() < 0.5 or not query:
                sec = P(self.url_secret(), "url_secret", "attribute", "free_text", "url.full")
                pname = self.r.choice(["code", "token", "sig", "password", "api_key"])
                full_q = f"{pname}={sec}&lang=en"
            else:
                full_q = "page=2&sort=price"
            a["url.full"] = f"https://{host}{path}?{full_q}"
        # the body
        d = a["http.server.request.duration_ms"]
        if self.r.random() < 0.55:
            body = f"{method} {path} {status} in {d}ms"
            K(f"{method} {path} {status}", "string_body")
        else:
            # combined log format, as nginx writes it
            bip = P(self.ipv4(), "ipv4", "string_body", "free_text")
            user = "-"
            if self.r.random() < 0.5:
                user = P(self.username(), "username", "string_body", "free_text")
            bua = P(self.user_agent(), "user_agent", "string_body", "free_text")
            req_path = path
            if self.r.random() < 0.3:
                sec = P(self.url_secret(), "url_secret", "string_body", "free_text")
                req_path = f"{path}?{self.r.choice(['code', 'token', 'state'])}={sec}"
            ref = "https://www.acme-shop.example/"
            if self.r.random() < 0.3:
                ref = "https://www.acme-shop.example/login?next=%2Fhome"
                K("next=%2Fhome", "string_body")
            body = (f'{bip} - {user} [04/Dec/2026:10:{self.r.randint(10, 59)}:{self.r.randint(10, 59)} +0000] '
                    f'"{method} {req_path} HTTP/1.1" {status} {self.r.randint(200, 9999)} "{ref}" "{bua}"')
            K(f'HTTP/1.1" {status}', "string_body")
        return self.rec("http.server", sev, body, a)

    def _maybe_list(self, v: str):
        # semantic conventions: http.request.header.<key> is a string array; many SDKs send a string
        return [v] if self.r.random() < 0.5 else v

    def _digest(self, response: str) -> str:
        return (f'Digest username="svc-{self.rs(string.ascii_lowercase, 6)}", realm="api@acme-shop", '
                f'nonce="{self.rs_safe(HEX, 32)}", uri="/api/v1/orders", qop=auth, nc=00000001, '
                f'cnonce="{self.rs_safe(HEX, 16)}", response="{response}", opaque="{self.rs_safe(HEX, 32)}"')

    # -- auth service
    def auth(self) -> dict:
        P, K = self.plant, self.keep_value
        kind = self.r.choice(["login_failed", "login_ok", "reset", "mfa", "signup", "locked"])
        a: dict = {"code.function.name": K(f"auth.handlers.{kind}", "attribute", "code.function.name")}
        a["user.id"] = K(self.user_id(), "attribute", "user.id")
        if self.r.random() < 0.7:
            a["user.name"] = P(self.username(), "username", "attribute", "named_key", "user.name")
        if self.r.random() < 0.6:
            a["user.email"] = P(self.email(), "email", "attribute", "named_key", "user.email")
        if self.r.random() < 0.5:
            a["user.full_name"] = P(self.name(), "name", "attribute", "named_key", "user.full_name")
        if self.r.random() < 0.4:
            if self.r.random() < 0.5:
                a["enduser.id"] = P(self.username(), "username", "attribute", "named_key", "enduser.id")
            else:
                a["enduser.id"] = P(self.email(), "email", "attribute", "named_key", "enduser.id")
        if self.r.random() < 0.6:
            a["client.address"] = P(self.ipv4(), "ipv4", "attribute", "named_key", "client.address")
        if self.r.random() < 0.4:
            a["user_agent.original"] = P(self.user_agent(), "user_agent", "attribute", "named_key", "user_agent.original")
        if self.r.random() < 0.3:
            a["user.phone"] = P(self.phone_intl(), "phone_intl", "attribute", "named_key", "user.phone")
        a["auth.method"] = K(self.r.choice(["password", "passkey", "oauth_google", "magic_link"]), "attribute", "auth.method")
        a["user.roles"] = ["customer"]
        sev = "INFO"

        structured = self.r.random() < 0.3
        if kind in ("login_failed", "locked"):
            sev = "WARN"
            reason = self.r.choice(["invalid_password", "unknown_user", "mfa_required", "rate_limited"])
            a["error.type"] = K(reason, "attribute", "error.type")
            if structured:
                user = {"id": K(self.user_id(), "map_body", "user.id")}
                user["email"] = P(self.email(), "email", "map_body", "named_key", "user.email")
                if self.r.random() < 0.6:
                    user["username"] = P(self.username(), "username", "map_body", "named_key", "user.username")
                if self.r.random() < 0.5:
                    user["name"] = P(self.name(), "name", "map_body", "named_key", "user.name")
                body = {
                    "msg": K("login failed", "map_body", "msg") if kind == "login_failed" else K("account locked", "map_body", "msg"),
                    "event": K("auth.login", "map_body", "event"),
                    "reason": K(reason, "map_body", "reason"),
                    "state": K(self.r.choice(["active", "locked", "pending"]), "map_body", "state"),
                    "user": user,
                    "client": {
                        "ip": P(self.ipv4(), "ipv4", "map_body", "named_key", "client.ip"),
                        "user_agent": P(self.user_agent(), "user_agent", "map_body", "named_key", "client.user_agent"),
                    },
                    "attempt": self.r.randint(1, 5),
                }
                if self.r.random() < 0.25:
                    body["password"] = P(self.password(), "password", "map_body", "named_key", "password")
                return self.rec("auth.service", sev, body, a)
            un = P(self.username(), "username", "string_body", "free_text")
            ip = P(self.ipv4(), "ipv4", "string_body", "free_text")
            if self.r.random() < 0.5:
                nm = P(self.name(), "name", "string_body", "free_text")
                body = f"login failed for {un} ({nm}) from {ip}: {reason}"
            else:
                body = f"login failed for {un} from {ip}: {reason}, attempt {self.r.randint(1, 5)} of 5"
            if self.r.random() < 0.15:
                pw = P(self.password(), "password", "string_body", "free_text")
                body += f" (debug: submitted password={pw})"
            K(reason, "string_body")
            K("login failed for", "string_body")
            return self.rec("auth.service", sev, body, a)
        if kind == "login_ok":
            if structured:
                body = {
                    "msg": K("login succeeded", "map_body", "msg"),
                    "event": "auth.login",
                    "user": {
                        "id": K(self.user_id(), "map_body", "user.id"),
                        "email": P(self.email(), "email", "map_body", "named_key", "user.email"),
                        "display_name": P(self.name(), "name", "map_body", "named_key", "user.display_name"),
                    },
                    "session": {"expires_in": 3600, "mfa": True,
                                "access_token": P(self.jwt(), "jwt", "map_body", "named_key", "session.access_token")},
                }
                return self.rec("auth.service", sev, body, a)
            un = P(self.username(), "username", "string_body", "free_text")
            ua = P(self.user_agent(), "user_agent", "string_body", "free_text")
            body = f"user {un} signed in with {a['auth.method']} using {ua}"
            if self.r.random() < 0.3:
                if self.r.random() < 0.5:
                    body += f"; issued access token {P(self.jwt(), 'jwt', 'string_body', 'free_text')}"
                else:
                    body += f"; upstream call with Authorization: Bearer {P(self.bearer(), 'bearer', 'string_body', 'free_text')}"
            K("signed in with", "string_body")
            return self.rec("auth.service", sev, body, a)
        if kind == "reset":
            em = P(self.email(), "email", "string_body", "free_text")
            sec = P(self.url_secret(), "url_secret", "string_body", "free_text")
            body = (f"password reset link sent to {em}: https://auth.acme-shop.example/reset?token={sec}"
                    f"&next=%2Fhome (expires in 30 minutes)")
            K("next=%2Fhome", "string_body")
            K("password reset link sent to", "string_body")
            return self.rec("auth.service", sev, body, a)
        if kind == "mfa":
            code = P(self.otp(), "otp", "string_body", "free_text")
            ph = P(self.phone_intl(), "phone_intl", "string_body", "free_text")
            form = self.r.randrange(3)
            if form == 0:
                body = f"sms queued for {ph}: 'Your Acme verification code is {code}'"
            elif form == 1:
                body = f"{code} is your Acme login code - sent to {ph}"
            else:
                body = f"OTP {code} generated for {ph}, valid for 5 minutes"
            K("valid for 5 minutes" if form == 2 else "Acme", "string_body")
            return self.rec("auth.service", sev, body, a)
        if kind == "signup":
            if structured:
                form = {
                    "email": P(self.email(), "email", "map_body", "named_key", "form.email"),
                    "password": P(self.password(), "password", "map_body", "named_key", "form.password"),
                    "full_name": P(self.name(), "name", "map_body", "named_key", "form.full_name"),
                    "phone_number": P(self.phone_national(), "phone_national", "map_body", "named_key", "form.phone_number"),
                    "newsletter": False,
                }
                if self.r.random() < 0.5:
                    form["address"] = {
                        "street": P(self.address(), "address", "map_body", "named_key", "form.address.street"),
                        "postcode": P(self.postcode(), "postcode", "map_body", "named_key", "form.address.postcode"),
                        "city": self.r.choice(CITIES),
                        "country": "GB",
                    }
                body = {"msg": K("signup request", "map_body", "msg"), "form": form, "plan": K("free", "map_body", "plan")}
                return self.rec("auth.service", sev, body, a)
            nm = P(self.name(), "name", "string_body", "free_text")
            em = P(self.email(), "email", "string_body", "free_text")
            ph = P(self.phone_national(), "phone_national", "string_body", "free_text")
            body = f"new signup: {nm} <{em}>, phone {ph}, plan=free"
            K("plan=free", "string_body")
            return self.rec("auth.service", sev, body, a)
        # locked handled above; never reached
        raise AssertionError(kind)

    # -- database
    def db(self) -> dict:
        P, K = self.plant, self.keep_value
        key = "db.query.text"
        a: dict = {
            "db.system.name": K("postgresql", "attribute", "db.system.name"),
            "db.namespace": K("orders", "attribute", "db.namespace"),
            "server.address": K("orders-db.internal", "attribute", "server.address"),
            "server.port": 5432,
            "code.function.name": K(self.r.choice(["CustomerRepo.find_by_email", "OrderRepo.insert", "AddressRepo.update"]),
                                    "attribute", "code.function.name"),
        }
        form = self.r.randrange(5)
        if form == 0:
            em = P(self.email(), "email", "attribute", "free_text", key)
            a[key] = f"SELECT id, status FROM customers WHERE email = '{em}' LIMIT 1"
            a["db.operation.name"] = K("SELECT", "attribute", "db.operation.name")
            a["db.collection.name"] = K("customers", "attribute", "db.collection.name")
        elif form == 1:
            nm = P(self.name(), "name", "attribute", "free_text", key)
            ph = P(self.phone_national(), "phone_national", "attribute", "free_text", key)
            a[key] = (f"INSERT INTO customers (full_name, phone, status) VALUES ('{nm}', '{ph}', 'active')")
            a["db.operation.name"] = K("INSERT", "attribute", "db.operation.name")
            a["db.collection.name"] = K("customers", "attribute", "db.collection.name")
        elif form == 2:
            ad = P(self.address(), "address", "attribute", "free_text", key)
            pc = P(self.postcode(), "postcode", "attribute", "free_text", key)
            a[key] = (f"UPDATE addresses SET line1 = '{ad}', postal_code = '{pc}' WHERE customer_id = 4821")
            a["db.operation.name"] = K("UPDATE", "attribute", "db.operation.name")
            a["db.collection.name"] = K("addresses", "attribute", "db.collection.name")
        elif form == 3:
            un = P(self.username(), "username", "attribute", "free_text", key)
            ip = P(self.ipv4(), "ipv4", "attribute", "free_text", key)
            a[key] = f"SELECT * FROM logins WHERE username = '{un}' AND last_ip = '{ip}'"
            a["db.operation.name"] = K("SELECT", "attribute", "db.operation.name")
            a["db.collection.name"] = K("logins", "attribute", "db.collection.name")
        else:
            a[key] = K("SELECT count(*) FROM orders WHERE status = $1", "attribute", key)
            a["db.operation.name"] = K("SELECT", "attribute", "db.operation.name")
        sev = "INFO"
        roll = self.r.random()
        if roll < 0.3:
            sev = "WARN"
            body = f"slow query: {self.r.randint(500, 9000)} ms on {a.get('db.collection.name', 'orders')}"
            K("slow query:", "string_body")
        elif roll < 0.55:
            sev = "ERROR"
            em = P(self.email(), "email", "string_body", "free_text")
            body = ('ERROR: duplicate key value violates unique constraint "customers_email_key" '
                    f"DETAIL: Key (email)=({em}) already exists.")
            K("customers_email_key", "string_body")
        elif roll < 0.75:
            pw = self.conn_pw("string_body", "free_text")
            user = self.r.choice(["svc_orders", "app_rw", "reporting"])
            body = f"connection pool initialised: postgres://{user}:{pw}@orders-db.internal:5432/orders?sslmode=require (max 20)"
            K("connection pool initialised", "string_body")
            if self.r.random() < 0.5:
                ck = "db.connection_string"
                pw2 = self.conn_pw("attribute", "free_text", ck)
                a[ck] = f"postgresql://{user}:{pw2}@orders-db.internal:5432/orders"
        elif roll < 0.85:
            pw = self.conn_pw("string_body", "free_text")
            scheme = self.r.choice([
                ("mongodb+srv", "cluster0.x7k2p.mongodb.net/app"),
                ("redis", "cache-1.internal:6379/0"),
                ("amqp", "rabbit.internal:5672/"),
                ("mysql", "legacy-db.internal:3306/shop"),
            ])
            user = "" if scheme[0] == "redis" else self.r.choice(["app", "worker", "etl"])
            body = f"reconnecting to {scheme[0]}://{user}:{pw}@{scheme[1]} after timeout"
            K("after timeout", "string_body")
        else:
            if self.r.random() < 0.5:
                nm = P(self.name(), "name", "string_body", "free_text")
                body = f"customer record merged: kept '{nm}', removed duplicate"
            else:
                pc = P(self.postcode(), "postcode", "string_body", "free_text")
                body = f"geocode cache miss for postcode {pc}"
            K("record merged" if "merged" in body else "geocode cache miss", "string_body")
        if self.r.random() < 0.2:
            pk = "db.password"
            a[pk] = P(self.password(), "password", "attribute", "named_key", pk)
        return self.rec("orders.repository", sev, body, a)

    # -- payments
    def payment(self) -> dict:
        P, K = self.plant, self.keep_value
        status = self.r.choice(["succeeded", "declined", "declined", "refunded", "requires_action"])
        decline = self.r.choice(["insufficient_funds", "card_declined", "expired_card", "do_not_honor"])
        a: dict = {
            "payment.id": K("pay_" + self.rs_safe(ALNUM, 14), "attribute", "payment.id"),
            "payment.status": K(status, "attribute", "payment.status"),
            "payment.amount": round(self.r.uniform(3, 900), 2),
            "payment.currency": "EUR",
            "card.brand": K(self.r.choice(["visa", "mastercard", "amex"]), "attribute", "card.brand"),
            "card_last4": f"{self.r.randint(0, 9999):04d}",
        }
        if self.r.random() < 0.7:
            a["customer_name"] = P(self.name(), "name", "attribute", "named_key", "customer_name")
        if self.r.random() < 0.5:
            ad = P(self.address(), "address", "attribute", "named_key", "billingAddress")
            pc = P(self.postcode(), "postcode", "attribute", "named_key", "billingAddress")
            a["billingAddress"] = f"{ad}, {self.r.choice(CITIES)}, {pc}"
        if self.r.random() < 0.3:
            a["shipping.postal_code"] = P(self.postcode(), "postcode", "attribute", "named_key", "shipping.postal_code")
        if self.r.random() < 0.3:
            a["shipping_street"] = P(self.address(), "address", "attribute", "named_key", "shipping_street")
        if self.r.random() < 0.5:
            if self.r.random() < 0.6:
                a["phone_number"] = P(self.phone_national(), "phone_national", "attribute", "named_key", "phone_number")
            else:
                a["phone_number"] = P(self.phone_intl(), "phone_intl", "attribute", "named_key", "phone_number")
        if self.r.random() < 0.4:
            a["customer.email"] = P(self.email(), "email", "attribute", "named_key", "customer.email")
        if self.r.random() < 0.1:
            a["card.number"] = P(self.card(), "card", "attribute", "named_key", "card.number")
        if self.r.random() < 0.15:
            a["customer.contact"] = {
                "name": P(self.name(), "name", "attribute", "named_key", "customer.contact.name"),
                "mobile": P(self.phone_national(), "phone_national", "attribute", "named_key", "customer.contact.mobile"),
            }
        sev = "WARN" if status == "declined" else "INFO"
        if self.r.random() < 0.3:
            cust = {
                "id": K("cus_" + self.rs_safe(ALNUM, 14), "map_body", "customer.id"),
                "name": P(self.name(), "name", "map_body", "named_key", "customer.name"),
                "email": P(self.email(), "email", "map_body", "named_key", "customer.email"),
            }
            if self.r.random() < 0.5:
                cust["phone"] = P(self.phone_national(), "phone_national", "map_body", "named_key", "customer.phone")
            if self.r.random() < 0.6:
                cust["billing_address"] = {
                    "line1": P(self.address(), "address", "map_body", "named_key", "customer.billing_address.line1"),
                    "postal_code": P(self.postcode(), "postcode", "map_body", "named_key", "customer.billing_address.postal_code"),
                    "city": self.r.choice(CITIES),
                }
            body = {
                "msg": K(f"payment {status}", "map_body", "msg"),
                "customer": cust,
                "card": {
                    "number": P(self.card(), "card", "map_body", "named_key", "card.number"),
                    "brand": K("visa", "map_body", "card.brand"),
                    "exp": f"{self.r.randint(1, 12):02d}/{self.r.randint(27, 31)}",
                },
                "decline_code": K(decline, "map_body", "decline_code"),
                "attempt": self.r.randint(1, 3),
            }
            if self.r.random() < 0.3:
                body["note"] = "customer says: " + P(self.name(), "name", "map_body", "free_text", "note") + " will pay by card"
            return self.rec("payments.worker", sev, body, a)
        roll = self.r.random()
        if roll < 0.4:
            nm = P(self.name(), "name", "string_body", "free_text")
            cd = P(self.card(), "card", "string_body", "free_text")
            body = f"charge {status} for {nm} (card {cd}): {decline}"
            K(decline, "string_body")
        elif roll < 0.7:
            ad = P(self.address(), "address", "string_body", "free_text")
            pc = P(self.postcode(), "postcode", "string_body", "free_text")
            nm = P(self.name(), "name", "string_body", "free_text")
            body = f"shipping label created for {nm}, {ad}, {self.r.choice(CITIES)} {pc} (carrier=dhl)"
            K("carrier=dhl", "string_body")
        elif roll < 0.85:
            ph = P(self.phone_national(), "phone_national", "string_body", "free_text")
            body = f"fraud check: phone {ph} does not match billing country, score=0.82"
            K("score=0.82", "string_body")
        else:
            ph = P(self.phone_intl(), "phone_intl", "string_body", "free_text")
            em = P(self.email(), "email", "string_body", "free_text")
            body = f"receipt sent to {em}; sms copy to {ph}"
            K("receipt sent to", "string_body")
        return self.rec("payments.worker", sev, body, a)

    # -- outbound integrations
    def integration(self) -> dict:
        P, K = self.plant, self.keep_value
        a: dict = {
            "http.request.method": K(self.r.choice(["GET", "POST", "PUT"]), "attribute", "http.request.method"),
            "server.address": K(self.r.choice(["billing.partner.example", "s3.eu-west-1.amazonaws.com",
                                               "maps.googleapis.com", "api.mailer.example"]), "attribute", "server.address"),
            "http.response.status_code": self.r.choice([200, 401, 403, 500, 502]),
            "peer.service": K(self.r.choice(["billing", "storage", "geocoding", "mailer"]), "attribute", "peer.service"),
        }
        sev = "ERROR" if a["http.response.status_code"] >= 400 else "INFO"
        if self.r.random() < 0.3:
            hk = "http.request.header.x-api-key"
            a[hk] = self._maybe_list(P(self.api_key(), "api_key", "attribute", "named_key", hk))
        if self.r.random() < 0.15:
            a["aws.access_key_id"] = P(self.aws_access_key(), "aws_access_key", "attribute", "named_key", "aws.access_key_id")
            a["aws.secret_access_key"] = P(self.aws_secret(), "aws_secret_key", "attribute", "named_key", "aws.secret_access_key")
        if self.r.random() < 0.12:
            a["maps_api_key"] = P(self.google_key(), "google_api_key", "attribute", "named_key", "maps_api_key")
        if self.r.random() < 0.2:
            a["exception.type"] = K("ConnectionError", "attribute", "exception.type")
            pw = self.conn_pw("attribute", "free_text", "exception.message")
            a["exception.message"] = f"could not connect to redis://:{pw}@cache-1.internal:6379/0: timed out"
        if self.r.random() < 0.15:
            rb = "http.request.body"
            a[rb] = {
                "email": P(self.email(), "email", "attribute", "named_key", rb + ".email"),
                "password": P(self.password(), "password", "attribute", "named_key", rb + ".password"),
                "remember_me": "true",
            }
        roll = self.r.random()
        if roll < 0.15:
            b = P(self.basic(), "basic_auth", "string_body", "free_text")
            body = (f"POST https://billing.partner.example/v2/sync failed: 401 Unauthorized "
                    f"(request headers: Authorization: Basic {b}, Accept: application/json)")
            K("Accept: application/json", "string_body")
        elif roll < 0.25:
            resp = P(self.digest_response(), "digest_auth", "string_body", "free_text")
            body = f"retrying with digest auth: Authorization: {self._digest(resp)}"
        elif roll < 0.37:
            k = P(self.api_key(), "api_key", "string_body", "free_text")
            body = f"mailer request rejected (403); sent headers x-api-key: {k}, content-type: application/json"
            K("content-type: application/json", "string_body")
        elif roll < 0.47:
            name, val = self.session_value()
            P(val, "cookie", "string_body", "free_text")
            body = f"upstream responded 302, forwarding Cookie: {name}={val}; theme=dark"
        elif roll < 0.57:
            ak = P(self.aws_access_key(), "aws_access_key", "string_body", "free_text")
            if self.r.random() < 0.5:
                body = f"S3 PutObject denied for access key {ak}: SignatureDoesNotMatch"
            else:
                sk = P(self.aws_secret(), "aws_secret_key", "string_body", "free_text")
                body = f"loaded config: region=eu-west-1 aws_access_key_id={ak} aws_secret_access_key={sk} bucket=acme-invoices"
            K("region=eu-west-1" if "region" in body else "SignatureDoesNotMatch", "string_body")
        elif roll < 0.65:
            gk = P(self.google_key(), "google_api_key", "string_body", "free_text")
            body = f"maps client initialised with key {gk} (quota 25000/day)"
            K("maps client initialised", "string_body")
        elif roll < 0.72:
            pem, line = self.private_key()
            P(line, "private_key", "string_body", "free_text")
            body = f"failed to load signing key, got:\n{pem}\ncheck SIGNING_KEY_FILE"
            K("check SIGNING_KEY_FILE", "string_body")
        elif roll < 0.78:
            tok = P(self.bearer(), "bearer", "string_body", "free_text")
            body = f"token refresh failed; reusing Authorization: Bearer {tok}"
        elif roll < 0.83:
            tok = P(self.jwt(), "jwt", "string_body", "free_text")
            body = f"id_token rejected (expired): {tok}"
        elif roll < 0.88:
            pw = P(self.password(), "password", "string_body", "free_text")
            body = f"SMTP login failed for mailer@acme-shop.example with password '{pw}': 535 5.7.8"
            K("535 5.7.8", "string_body")
        elif roll < 0.94:
            # structured client log: credentials under named keys
            body = {"msg": K("outbound request", "map_body", "msg"), "target": "billing", "headers": {}}
            r2 = self.r.randrange(3)
            if r2 == 0:
                body["headers"]["Authorization"] = "Basic " + P(self.basic(), "basic_auth", "map_body", "named_key", "headers.Authorization")
            elif r2 == 1:
                body["headers"]["X-Api-Key"] = P(self.api_key(), "api_key", "map_body", "named_key", "headers.X-Api-Key")
            else:
                name, val = self.session_value()
                body["headers"]["Cookie"] = f"{name}={P(val, 'cookie', 'map_body', 'named_key', 'headers.Cookie')}"
            body["headers"]["Accept"] = K("application/json", "map_body", "headers.Accept")
            if self.r.random() < 0.3:
                pem, line = self.private_key()
                body["private_key"] = pem
                P(line, "private_key", "map_body", "named_key", "private_key")
            if self.r.random() < 0.3:
                body["aws_secret_access_key"] = P(self.aws_secret(), "aws_secret_key", "map_body", "named_key", "aws_secret_access_key")
            if self.r.random() < 0.3:
                body["db_url"] = "postgres://app:" + self.conn_pw("map_body", "free_text", "db_url") + "@orders-db.internal:5432/orders"
            return self.rec("integrations.http_client", sev, body, a)
        else:
            sec = P(self.url_secret(), "url_secret", "string_body", "free_text")
            body = f"GET https://api.mailer.example/v3/verify?api_key={sec}&format=json -> {a['http.response.status_code']}"
            K("format=json", "string_body")
        return self.rec("integrations.http_client", sev, body, a)

    # -- support and notifications
    def support(self) -> dict:
        P, K = self.plant, self.keep_value
        a: dict = {
            "messaging.system": "rabbitmq",
            "messaging.destination.name": K(self.r.choice(["notifications.email", "notifications.sms", "support.tickets"]),
                                            "attribute", "messaging.destination.name"),
            "ticket.priority": K(self.r.choice(["low", "normal", "high"]), "attribute", "ticket.priority"),
        }
        if self.r.random() < 0.5:
            a["recipient.email"] = P(self.email(), "email", "attribute", "named_key", "recipient.email")
        if self.r.random() < 0.3:
            a["contact_name"] = P(self.name(), "name", "attribute", "named_key", "contact_name")
        if self.r.random() < 0.2:
            a["home_address"] = P(self.address(), "address", "attribute", "named_key", "home_address")
        if self.r.random() < 0.2:
            a["mobile_phone"] = P(self.phone_national(), "phone_national", "attribute", "named_key", "mobile_phone")
        if self.r.random() < 0.15:
            a["login_username"] = P(self.username(), "username", "attribute", "named_key", "login_username")
        sev = "INFO"
        if self.r.random() < 0.3:
            body = {
                "msg": K("ticket created", "map_body", "msg"),
                "ticket": {
                    "id": K("tkt_" + self.rs_safe(ALNUM, 8), "map_body", "ticket.id"),
                    "subject": "Cannot update my address",
                    "description": ("Hi, this is " + P(self.name(), "name", "map_body", "free_text", "ticket.description")
                                    + ", I moved to " + P(self.address(), "address", "map_body", "free_text", "ticket.description")
                                    + ", " + P(self.postcode(), "postcode", "map_body", "free_text", "ticket.description")
                                    + ". Call me on " + P(self.phone_national(), "phone_national", "map_body", "free_text", "ticket.description")
                                    + ". My login is " + P(self.username(), "username", "map_body", "free_text", "ticket.description")),
                    "status": K("open", "map_body", "ticket.status"),
                },
                "requester": {
                    "email": P(self.email(), "email", "map_body", "named_key", "requester.email"),
                    "userName": P(self.username(), "username", "map_body", "named_key", "requester.userName"),
                },
            }
            return self.rec("support.tickets", sev, body, a)
        roll = self.r.random()
        if roll < 0.3:
            nm = P(self.name(), "name", "string_body", "free_text")
            em = P(self.email(), "email", "string_body", "free_text")
            body = f"ticket tkt_{self.rs_safe(ALNUM, 8)} opened by {nm} ({em}): cannot update address"
            K("cannot update address", "string_body")
        elif roll < 0.55:
            nm = P(self.name(), "name", "string_body", "free_text")
            ad = P(self.address(), "address", "string_body", "free_text")
            pc = P(self.postcode(), "postcode", "string_body", "free_text")
            body = f"order {self.order_id()} shipped to {nm}, {ad}, {self.r.choice(CITIES)} {pc}"
            K("shipped to", "string_body")
        elif roll < 0.7:
            ph = P(self.phone_national(), "phone_national", "string_body", "free_text")
            body = f"callback requested on {ph} between 9:00 and 12:00"
            K("callback requested on", "string_body")
        elif roll < 0.85:
            un = P(self.username(), "username", "string_body", "free_text")
            ua = P(self.user_agent(), "user_agent", "string_body", "free_text")
            body = f"push token registered for {un} on {ua}"
            K("push token registered for", "string_body")
        else:
            ip = P(self.ipv6(), "ipv6", "string_body", "free_text")
            em = P(self.email(), "email", "string_body", "free_text")
            body = f"unsubscribe clicked by {em} from {ip}; status=active"
            K("status=active", "string_body")
        return self.rec("notifications", sev, body, a)

    # -- noise: nothing personal
    def noise(self) -> dict:
        K = self.keep_value
        kind = self.r.randrange(4)
        a = {"code.function.name": K(self.r.choice(["health.check", "cache.stats", "scheduler.tick", "gc.report"]),
                                     "attribute", "code.function.name"),
             "host.name": K(f"web-{self.r.randint(1, 9)}.acme-shop.internal", "attribute", "host.name")}
        if kind == 0:
            body = K(f"GET /healthz 200 in {self.r.randint(1, 9)}ms", "string_body")
        elif kind == 1:
            body = K(f"cache hit ratio 0.{self.r.randint(50, 99)} over {self.r.randint(100, 9999)} lookups", "string_body")
        elif kind == 2:
            body = {"msg": K("scheduler tick", "map_body", "msg"), "jobs_due": self.r.randint(0, 20),
                    "state": K("idle", "map_body", "state"), "next_run_in_s": self.r.randint(1, 60)}
        else:
            body = K(f"feature flag checkout_v2 evaluated: variant={self.r.choice(['on', 'off'])}", "string_body")
        return self.rec("platform", "DEBUG", body, a)

    # -- a JSON object logged as a string body (a JSON log formatter in front of the SDK)
    def json_string(self) -> dict:
        P, K = self.plant, self.keep_value
        obj = {
            "level": "info",
            "msg": K("profile updated", "string_body", ""),
            "email": P(self.email(), "email", "string_body", "named_key", "email"),
            "full_name": P(self.name(), "name", "string_body", "named_key", "full_name"),
            "phone": P(self.phone_national(), "phone_national", "string_body", "named_key", "phone"),
            "address": P(self.address(), "address", "string_body", "named_key", "address"),
            "zip": P(self.postcode(), "postcode", "string_body", "named_key", "zip"),
            "username": P(self.username(), "username", "string_body", "named_key", "username"),
            "user_id": K(self.user_id(), "string_body", "user_id"),
        }
        if self.r.random() < 0.4:
            obj["password"] = P(self.password(), "password", "string_body", "named_key", "password")
        a = {"code.function.name": K("profile.update", "attribute", "code.function.name"), "logger.name": "app.json"}
        return self.rec("profile.service", "INFO", json.dumps(obj, ensure_ascii=False), a)


def _retry_nul(make):
    for _ in range(1000):
        v = make()
        if "\x00" not in v:
            return v
    raise RuntimeError("no fresh phone number")


def _retry_empty(make):
    for _ in range(1000):
        v = make()
        if v:
            return v
    raise RuntimeError("no fresh address")


def _all_windows(text: str):
    run = ""
    for ch in text + "x":
        if "0" <= ch <= "9":
            run += ch
            continue
        for k in range(len(run) - 5):
            yield run[k : k + 6]
        run = ""


def luhn_digit(body: str) -> str:
    total = 0
    for k, ch in enumerate(reversed(body)):
        d = int(ch)
        if k % 2 == 0:  # these are doubled once the check digit is appended
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def b64url(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).decode().rstrip("=")


def is_envelope(body) -> bool:
    """Whether a body would be taken for an audit event (it must never be)."""
    if isinstance(body, str):
        t = body.lstrip()
        if not t.startswith("{"):
            return False
        try:
            body = json.loads(t)
        except ValueError:
            return ('"type"' in t and ('"context"' in t or '"payload"' in t)) or '"activityType"' in t
        if not isinstance(body, dict):
            return False
    if isinstance(body, dict):
        return ("type" in body and ("context" in body or "payload" in body)) or "activityType" in body
    return False


def check(planted: list[dict], records: list[dict]) -> list[str]:
    """Every planted value occurs in its own record and in no other, and contains no other."""
    problems = []
    lines = [json.dumps(r, ensure_ascii=False) for r in records]
    for p in planted:
        v = p["value"]
        enc = json.dumps(v, ensure_ascii=False)[1:-1]
        if v not in lines[p["record"]] and enc not in lines[p["record"]]:
            problems.append(f"{v!r} not in record {p['record']}")
    values = sorted({p["value"] for p in planted}, key=len)
    if len(values) != len(planted):
        problems.append("a value is planted twice")
    blob = "\n".join(lines)
    for p in planted:
        v = p["value"]
        enc = json.dumps(v, ensure_ascii=False)[1:-1]
        if blob.count(enc) != 1:
            problems.append(f"{v!r} occurs {blob.count(enc)} times in the corpus")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=14)
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--out", required=True, help="corpus.jsonl")
    ap.add_argument("--pii-out", required=True, help="planted.jsonl")
    ap.add_argument("--keep-out", required=True, help="keep.jsonl")
    ap.add_argument("--check", action="store_true", help="verify uniqueness (slow: quadratic in --count)")
    args = ap.parse_args()

    c = Corpus(args.seed)
    c.build(args.count)
    # An OTP code is 6 digits: make sure nothing else in the corpus holds the same digits.
    windows: dict[str, int] = {}
    for r in c.records:
        for w in _all_windows(json.dumps(r, ensure_ascii=False)):
            windows[w] = windows.get(w, 0) + 1
    clashes = [o for o in c.otps if windows.get(o, 0) != 1]
    if clashes:
        print(f"OTP codes that occur elsewhere in the corpus: {clashes[:10]}", file=sys.stderr)
        return 1
    if args.check:
        problems = check(c.planted, c.records)
        if problems:
            print("\n".join(problems[:20]), file=sys.stderr)
            return 1
    with open(args.out, "w", encoding="utf-8") as fh:
        for r in c.records:
            fh.write(json.dumps(r) + "\n")
    with open(args.pii_out, "w", encoding="utf-8") as fh:
        for p in c.planted:
            fh.write(json.dumps(p) + "\n")
    with open(args.keep_out, "w", encoding="utf-8") as fh:
        for k in c.keep:
            fh.write(json.dumps(k) + "\n")
    by_group: dict[str, int] = {}
    for p in c.planted:
        by_group[p["group"]] = by_group.get(p["group"], 0) + 1
    print(json.dumps({"records": len(c.records), "planted": len(c.planted), "keep": len(c.keep), "by_group": by_group}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

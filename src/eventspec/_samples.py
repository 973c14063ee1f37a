"""Values that look like real events: formats, known patterns, and hints by field name.

Example values are taken from the vendors' documents (as transcribed in the test
fixtures) and mixed with made-up ones of the same shape: ids like ``user-1``, UUIDs
and Mongo-style hex ids, RFC 3339 timestamps around 2024, reserved example domains,
prices in cents. Every value still passes through the schema's constraints: a hint
that does not fit its node is not used.
"""

from __future__ import annotations

import ipaddress
import re
import unicodedata
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from functools import cache
from typing import Any

from ._sources import Source, choice, count

Maker = Callable[[Source], Any]


def _pick(*options: Any) -> Maker:
    return lambda source: choice(source, options)


# ------------------------------------------------------------------ timestamps
# Shrinks to this instant, a readable one; values spread over 2019-2026 around it.
_ANCHOR = datetime(2024, 5, 1, 12, 30, tzinfo=timezone.utc)
_SPREAD = 5 * 365 * 24 * 3600
_OFFSETS = (0, 0, 120, -300, 330, 60, -420)  # minutes; UTC twice (as Z and +00:00)


def _instant(source: Source) -> tuple[datetime, int]:
    """A moment and a UTC offset in minutes."""
    moment = _ANCHOR + timedelta(seconds=source.integer(-_SPREAD, _SPREAD // 2),
                                 microseconds=source.integer(0, 999_999))
    return moment, choice(source, _OFFSETS)


def _format(moment: datetime, offset: int, separator: str, digits: int, zone: str) -> str:
    local = moment + timedelta(minutes=offset)
    text = local.strftime(f"%Y-%m-%d{separator}%H:%M:%S")
    if digits:
        text += "." + f"{local.microsecond:06d}"[:digits]
    if zone == "Z":
        return text + ("Z" if offset == 0 else _offset(offset))
    if zone == "offset":
        return text + _offset(offset)
    return text  # a local time without an offset


def _offset(minutes: int) -> str:
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def date_time(source: Source) -> str:
    """An RFC 3339 date-time, in the shapes clients send (``2024-05-01T12:30:00.000Z``)."""
    moment, offset = _instant(source)
    digits = choice(source, (3, 0, 6))
    return _format(moment, offset, "T", digits, choice(source, ("Z", "offset")))


# The shapes an ISO 8601 pattern may allow; `_timestamp_pattern` keeps those it matches.
_SHAPES = [(sep, digits, zone) for zone in ("Z", "", "offset") for digits in (0, 6, 3) for sep in ("T", " ")]


def _timestamp_pattern(pattern: str) -> Maker | None:
    """A maker for a date-time pattern (RetainPixel's and Userpilot's), or None.

    Which shapes (T or space, fraction digits, offset or none) the pattern allows is
    found by trying one sample of each; a pattern that allows none, or that also
    allows a plain word, is not a date-time pattern.
    """
    regex = re.compile(pattern)
    if regex.search("event"):
        return None
    shapes = [s for s in _SHAPES if regex.search(_format(_ANCHOR, 120, *s)) and regex.search(_format(_ANCHOR, 0, *s))]
    if not shapes:
        return None

    def make(source: Source) -> str:
        moment, offset = _instant(source)
        return _format(moment, offset, *choice(source, shapes))

    return make


# ------------------------------------------------------------------ other formats
def ipv4(source: Source) -> str:
    if not source.rarely():
        return choice(source, ("203.0.113.9", "8.8.8.8", "108.0.78.21", "198.51.100.23", "192.0.2.1"))
    return ".".join(str(source.integer(0, 255)) for _ in range(4))


def ipv6(source: Source) -> str:
    if not source.rarely():
        return choice(source, ("2001:db8::1", "2001:db8:85a3::8a2e:370:7334", "fe80::1ff:fe23:4567:890a"))
    return str(ipaddress.IPv6Address(source.integer(0, 2**128 - 1)))


_HOSTS = ("www.example.com", "app.example.com", "shop.example.org", "example.net")
_PATHS = ("/", "/pricing", "/product/123", "/blog/launch-week", "/academy/", "/dashboard/")
_QUERIES = ("", "", "?utm_source=newsletter&utm_medium=email", "?q=shoes", "#reviews")


def url(source: Source) -> str:
    return f"https://{choice(source, _HOSTS)}{choice(source, _PATHS)}{choice(source, _QUERIES)}"


def uri(source: Source) -> str:
    if source.rarely():
        return choice(source, ("http://localhost:8080/", "urn:isbn:0451450523", "mailto:ada@example.com"))
    return url(source)


def date(source: Source) -> str:
    """An RFC 3339 full-date (``2024-05-01``)."""
    return _instant(source)[0].strftime("%Y-%m-%d")


def clock_time(source: Source) -> str:
    """An RFC 3339 full-time, with its offset (``12:30:00.000Z``)."""
    return date_time(source).partition("T")[2]


def uuid4(source: Source) -> str:
    return str(uuid.UUID(int=source.integer(0, 2**128 - 1), version=4))


def uri_reference(source: Source) -> str:
    return uri(source) if source.boolean() else choice(source, _PATHS + ("../docs/intro", "#reviews"))


def regex(source: Source) -> str:
    return choice(source, ("^[a-z]+$", "^[0-9]{3}$", "^(free|pro)$", "\\S"))


# ------------------------------------------------------------------ patterns
_LOCALES = ("en-US", "en", "de-DE", "fr-FR", "pt-BR", "ja-JP", "es", "en-GB", "nl-NL")


@cache
def pattern_maker(pattern: str) -> Maker | None:
    """A maker for one of the patterns the bundled schemas use, or None."""
    if pattern == r"\S":
        return _phrase
    if pattern == "^[0-9]+$":
        return lambda source: str(source.integer(1, 99_999))
    regex = re.compile(pattern)
    locales = tuple(locale for locale in _LOCALES if regex.search(locale))
    if locales and not regex.search("event") and not regex.search("en_US"):
        return _pick(*locales)
    return _timestamp_pattern(pattern)


# ------------------------------------------------------------------ words and people
_WORDS = ("Cool", "Summer", "Sale", "Shoes", "Guide", "Report", "Premium", "Launch", "Week",
          "Red", "Blue", "Pizza", "Docs", "Intro", "Pipelines", "Export")
_FIRST = ("Ada", "Grace", "Alan", "Zoë", "José", "Mei", "Olusegun", "Søren")
_LAST = ("Lovelace", "Hopper", "Turing", "Müller", "García", "Tanaka", "O'Brien", "Okafor")
_DOMAINS = ("example.com", "example.org", "example.net")
_COMPANIES = ("Acme Corp", "Acme Labs Inc.", "Initech", "Globex", "Umbrella Health")
_PLANS = ("free", "pro", "enterprise", "Basic", "Premium")


def _phrase(source: Source) -> str:
    return " ".join(choice(source, _WORDS) for _ in range(count(source, 1, 3)))


def person(source: Source) -> str:
    return f"{choice(source, _FIRST)} {choice(source, _LAST)}"


def email(source: Source) -> str:
    if not source.rarely():
        local = f"{choice(source, _FIRST)}.{choice(source, _LAST)}"
        local = unicodedata.normalize("NFKD", local).encode("ascii", "ignore").decode().replace("'", "")
        return f"{local.lower()}@{choice(source, _DOMAINS)}"
    return choice(source, ("john.doe@example.com", "user@example.com", "ada+test@example.org"))


def semver(source: Source) -> str:
    return f"{source.integer(1, 9)}.{source.integer(0, 20)}.{source.integer(0, 9)}"


def _digits(low: int, high: int) -> Maker:
    return lambda source: str(source.integer(low, high))


def identifier(prefix: str) -> Maker:
    """Ids the way systems make them: ``user-1``, UUIDs, 24-hex ObjectIds, ``user_9f2c1a7e``."""

    def make(source: Source) -> str:
        form = source.index(4)
        if form == 0:
            return f"{prefix}-{source.integer(1, 99_999)}"
        if form == 1:  # a version 4 UUID, as client libraries make anonymous ids
            return str(uuid.UUID(int=source.integer(0, 2**128 - 1), version=4))
        if form == 2:
            return f"{source.integer(0, 16**24 - 1):024x}"
        return f"{prefix}_{source.integer(0, 16**8 - 1):08x}"

    return make


#: Makers of a string in each format `eventspec._nodes.FORMATS` names.
FORMAT_MAKERS: dict[str, Maker] = {
    "date-time": date_time, "date": date, "time": clock_time, "email": email, "idn-email": email,
    "uuid": uuid4, "ipv4": ipv4, "ipv6": ipv6, "uri": uri, "uri-reference": uri_reference, "regex": regex,
}


def _token(source: Source) -> str:
    return f"{source.integer(0, 16**64 - 1):064x}"  # an APNs device token


# ------------------------------------------------------------------ hints by field name
# Values from the documents' examples, first, so a shrunk payload shows them.
EXAMPLES: dict[str, tuple[Any, ...]] = {
    "userId": ("user-1", "97980cfea0067", "42", "AiUGstSDIg"),
    "anonymousId": ("23adfd82-aa0f-45a7-a756-24f2a7a4c895", "507f191e810c19729de860ea"),
    "messageId": ("022bb90c-bbac-11e4-8dfc-aa07a5b093db", "ajs-f8ca1e4de5024d9430b3928bd8ac6b96"),
    "groupId": ("company-789", "0e8c78ea9d97a7b8185e8632"),
    "user_id": ("user-456", "user_id_123"),
    "anonymous_id": ("abc-123",),
    "group_id": ("company-789",),
    "company_id": ("company_id_60",),
    "order_id": ("order123", "cool_persons_cart_123", "50314b8e9bcf000000000000"),
    "checkout_id": ("checkout123", "cool_persons_checkout_123"),
    "cart_id": ("cool_persons_cart_123", "usercart-789"),
    "product_id": ("coolshoes-123", "507f1f77bcf86cd799439011"),
    "sku": ("abc-123-xyz", "45790-32"),
    "category": ("shoes", "Games"),
    "brand": ("A Shoe Brand", "Hasbro"),
    "variant": ("red", "200 pieces"),
    "coupon": ("NEWUSER20", "hasbros"),
    "coupon_id": ("NEWUSER20",),
    "coupon_name": ("NEWUSER20",),
    "affiliation": ("Shopify", "Google Play Store"),
    "list_id": ("all_shoes", "hot_deals_1"),
    "promotion_id": ("promo_123",),
    "creative": ("top_banner_2",),
    "query": ("pepperoni pizza", "blue hotpants"),
    "review_id": ("review_123",),
    "review_body": ("These shoes are great!",),
    "share_via": ("email", "facebook"),
    "share_message": ("Check out my cart!",),
    "wishlist_id": ("cool_persons_wishlist_123",),
    "wishlist_name": ("Cool Person's Wishlist",),
    "payment_method": ("Visa",),
    "shipping_method": ("ground", "Fedex"),
    "reason": ("Coupon expired",),
    "experiment_id": ("12345", "exp-onboard-v2"),
    "experiment_name": ("Homepage Hero",),
    "variation_id": ("67890",),
    "variation_name": ("Hero B",),
    "arm_key": ("treatment", "control"),
    "paywall_id": ("export-gate",),
    "feature": ("csv_export", "export"),
    "intervention_id": ("int-welcome-3",),
    "reward_id": ("rwd-milestone-5",),
    "subject_id": ("subj-789",),
    "deliveryId": ("42",),
    "metric": ("clicked", "delivered", "opened"),
    "recipient": ("friendOfcool.person@example.com", "device_token"),
    "actionValue": ("enable_push",),
    "href": ("myapp://settings/enable_push",),
    "objectId": ("acme",),
    "hostname": ("example.com", "app.example.com"),
    "pathname": ("/dashboard/", "/subscription/plans", "/users/list"),
    "source": ("web-client",),
    "event_name": ("account_upgraded",),
    "country_code": ("US", "UK"),
    "browser": ("Chrome",),
    "browser_language": ("en-US",),
    "operating_system": ("Mac",),
    "device_type": ("Desktop",),
    "userAgent": ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko)",),
    "user_agent": ("Chrome - Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7)",),
    "locale": ("en-US",),
    "timezone": ("Europe/Dublin", "America/New_York"),
    "path": ("/", "/pricing", "/academy/"),
    "referrer": ("https://google.com", ""),
    "search": ("", "?q=shoes"),
    "title": ("Intro to Customer.io", "Pricing"),
    "url": ("https://app.example.com/pricing", "https://www.example.com/product/123"),
    "image_url": ("https://www.example.com/product/123.jpg", ""),
    "token": ("740f4707bebcf74f9b7c25d48e3358945f6aa01da5ddb387462c7eaf61bb78ad",),
    "video_player": ("youtube", "vimeo"),
    "quality": ("hd1080",),
    "program": ("Planet Earth",),
    "genre": ("Documentary",),
    "publisher": ("BBC",),
    "email_subject": ("Welcome to Cool Shoes!",),
    "campaign_name": ("Summer Sale",),
    "agent_name": ("Ada Lovelace",),
    "version": ("3.1.0", "2.11.1"),
    "build": ("310",),
    "previous_version": ("3.0.2",),
    "previous_build": ("302",),
}

# Names that mean different things in different objects: (object, field).
IN_OBJECT: dict[tuple[str, str], tuple[Any, ...]] = {
    ("library", "name"): ("analytics.js", "analytics-python", "customerio-cdp-analytics"),
    ("library", "version"): ("2.11.1", "1.0.3"),
    ("device", "type"): ("ios", "android"),
    ("products", "name"): ("Monopoly: 3rd Edition", "Uno Card Game", "Cool Shoes"),
    ("campaign", "name"): ("TPS Innovation Newsletter",),
    ("campaign", "source"): ("Newsletter",),
    ("campaign", "medium"): ("email",),
    ("campaign", "term"): ("tps reports",),
    ("campaign", "content"): ("image link",),
}


def _id_prefix(name: str) -> str:
    base = re.sub(r"(_id|Id|ID|_ids)$", "", name) or "id"
    return re.sub(r"(?<!^)(?=[A-Z])", "_", base).lower()[:10]


def string_makers(name: str, parent: str) -> list[Maker]:
    """Makers of realistic strings for a field, best first."""
    if (parent, name) in IN_OBJECT:  # the name means something specific here
        return [_pick(*IN_OBJECT[parent, name])]
    makers: list[Maker] = []
    if name in EXAMPLES:
        makers.append(_pick(*EXAMPLES[name]))
    lowered = name.lower()
    if lowered == "token":
        makers.append(_token)
    elif "email" in lowered and "subject" not in lowered:
        makers.append(email)
    elif lowered.endswith(("_id", "id", "_ids")) and lowered not in ("paid", "valid"):
        makers.append(identifier(_id_prefix(name)))
    elif lowered.endswith(("url", "referrer", "href")):
        makers.append(url)
    elif lowered in ("version", "previous_version") or lowered.endswith("_version"):
        makers.append(semver)
    elif lowered.endswith("build"):
        makers.append(_digits(100, 9999))
    elif lowered == "name" or lowered.endswith(("_name", "username")):
        people = "agent" in lowered or "user" in lowered or parent in ("traits", "metadata")
        makers.append(person if people else _phrase)
    if not makers:
        makers.append(_phrase)
    return makers


INTEGER_RANGES: dict[str, tuple[int, int]] = {
    "quantity": (1, 10), "position": (1, 20), "rating": (1, 5), "step": (1, 5),
    "sound": (0, 100), "total_length": (30, 7200), "bitrate": (128, 8000),
    "framerate": (24, 60), "quartile": (1, 4), "pod_position": (1, 4), "pod_length": (1, 4),
    "seek_position": (0, 3600), "conversation_duration": (1, 3600),
    "screen_width": (320, 2560), "screen_height": (480, 1600),
    "timestamp": (1_600_000_000, 1_800_000_000), "amount": (1, 500),
}
_MONEY = frozenset({"price", "revenue", "total", "subtotal", "value", "amount", "tax",
                    "shipping", "discount"})


def money(source: Source) -> float:
    """A price in cents, as a number with two decimals (``139.99``)."""
    return source.integer(0, 50_000) / 100


def number_maker(name: str) -> Maker | None:
    if name in _MONEY:
        return money
    if name == "version":
        return _pick(1, 1.1, 2)
    if name == "speed":
        return _pick(1, 0.5, 1.25, 2)
    return None


# ------------------------------------------------------------------ free-form objects
# Fields that objects with no (or few) declared properties often carry in real events.
EXTRAS: dict[str, tuple[tuple[str, Maker | None], ...]] = {  # None: made from the schema
    "properties": (("plan", _pick(*_PLANS)), ("source", _pick("web", "ios", "android")),
                   ("count", lambda s: s.integer(1, 20)), ("is_trial", lambda s: s.boolean()),
                   ("referral_code", _pick("FRIEND10", "ADA2024"))),
    "traits": (("name", person), ("email", email), ("plan", _pick(*_PLANS)),
               ("createdAt", date_time), ("logins", lambda s: s.integer(0, 500)),
               ("company", _pick(*_COMPANIES))),
    # Userpilot maps metadata values as strings, numbers or dates: no other types here.
    "metadata": (("name", person), ("email", email), ("plan", _pick(*_PLANS)),
                 ("total_logins", lambda s: s.integer(0, 500)),
                 ("sign_up_date", _pick("2023-11-01 14:35:36.173103", "2024-12-01T08:55:43.220396"))),
    "data": (("price", money), ("product", _pick("socks", "Cool Shoes")),
             ("quantity", lambda s: s.integer(1, 5))),
    "app": (("name", _pick("Cool Shoes", "Acme Mobile")), ("version", semver),
            ("build", _digits(100, 9999)), ("namespace", _pick("com.example.coolshoes"))),
    "os": (("name", _pick("iOS", "Android", "Mac OS X", "Windows")), ("version", semver)),
    "network": (("wifi", lambda s: s.boolean()), ("cellular", lambda s: s.boolean()),
                ("carrier", _pick("T-Mobile", "Vodafone")), ("bluetooth", lambda s: s.boolean())),
    "context": (("timezone", _pick("Europe/Dublin", "America/New_York", "Asia/Tokyo")),
                ("screen", lambda s: {"width": choice(s, (1440, 390, 1920)),
                                      "height": choice(s, (900, 844, 1080)), "density": choice(s, (2, 1, 3))})),
    "integrations": (("All", None), ("Mixpanel", None), ("Amplitude", None), ("Braze", None),
                     ("Google Analytics", None)),
}

# Track event names that are no semantic event of their family (custom events).
CUSTOM_EVENTS: dict[str, tuple[str, ...]] = {
    "cdp": ("Signed Up", "Button Clicked", "Course Started", "Trial Started", "Invite Sent",
            "Report Exported", "Plan Upgraded", "Song Played"),
    "retainpixel": ("feature_used", "session_started", "lesson_completed", "export_clicked",
                    "streak_extended"),
}


def normalized(name: str) -> str:
    """A name without case, spaces, underscores or hyphens: how near misses are matched."""
    return re.sub(r"[\s_\-]+", "", name).casefold()

"""Text hygiene for anything users send: HTML through an allow-list, text without NULs."""

import html

import nh3

# Enough for formatted email and pasted documentation; no scripts, styles, forms or frames.
ALLOWED_TAGS = {
    "a",
    "abbr",
    "b",
    "blockquote",
    "br",
    "code",
    "dd",
    "del",
    "div",
    "dl",
    "dt",
    "em",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "hr",
    "i",
    "img",
    "ins",
    "kbd",
    "li",
    "ol",
    "p",
    "pre",
    "q",
    "s",
    "small",
    "span",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "tfoot",
    "th",
    "thead",
    "tr",
    "u",
    "ul",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title", "width", "height"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
    "abbr": {"title"},
}
# No javascript: or data: URLs (a data: link can carry a whole HTML page); cid: names an
# inline image of the same email.
ALLOWED_URL_SCHEMES = {"http", "https", "mailto", "cid"}


def sanitize_html(html: str) -> str:
    """Keep only allow-listed tags and attributes; links get rel="noopener noreferrer"."""
    return nh3.clean(
        clean_text(html),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes=ALLOWED_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
    )


def clean_text(text: str) -> str:
    """Normalise line ends and drop NUL characters, which PostgreSQL text cannot hold."""
    return text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")


def html_to_text(markup: str) -> str:
    """The text of an HTML body, for plain-text email: every tag dropped, entities decoded."""
    return html.unescape(nh3.clean(clean_text(markup), tags=set())).strip()

"""Cutting the quoted history off a reply, so the thread shows what the person wrote.

Only replies are cut (a new ticket may be a forwarded conversation that matters); the full
original stays in the stored raw message. When cutting would leave nothing, nothing is cut.
"""

import re

# Gmail, Apple Mail, Thunderbird: "On Mon, 2 Mar 2026 at 09:14, Alex <alex@x> wrote:", which
# clients wrap over two lines when the name is long.
ON_WROTE = re.compile(r"^On\b[^\n]{0,200}(\n[^\n]{0,200})?\bwrote:[ \t]*$", re.MULTILINE)
# Outlook: a rule of underscores or "-----Original Message-----", or a bare header block
# "From: …" followed by "Sent:" or "Date:" within the next lines.
OUTLOOK_SEPARATOR = re.compile(r"^(_{20,}|-{2,} ?Original Message ?-{2,})[ \t]*$", re.MULTILINE)
OUTLOOK_HEADERS = re.compile(
    r"^\*?From:\*?[ \t][^\n]+\n(?:[^\n]*\n){0,2}\*?(Sent|Date):\*?[ \t]", re.MULTILINE
)
# The trailing block of "> " lines that most clients put under the answer.
TRAILING_QUOTE = re.compile(r"(\n>[^\n]*)+\s*$")

# HTML clients wrap the history in a marked element; everything from it on is history.
HTML_MARKERS = (
    re.compile(r'<div[^>]*class="?gmail_quote', re.IGNORECASE),
    re.compile(r'<div[^>]*id="?(divRplyFwdMsg|appendonsend)', re.IGNORECASE),
    re.compile(r'<blockquote[^>]*type="?cite', re.IGNORECASE),
    re.compile(r"<hr[^>]*>\s*(<[^>]+>\s*)*(<b>)?From:", re.IGNORECASE),
)


def strip_text(text: str) -> str:
    """The reply without the history quoted under it."""
    cut = len(text)
    for pattern in (ON_WROTE, OUTLOOK_SEPARATOR, OUTLOOK_HEADERS):
        found = pattern.search(text)
        if found:
            cut = min(cut, found.start())
    answer = TRAILING_QUOTE.sub("", text[:cut]).rstrip()
    return answer if answer.strip() else text


def strip_html(markup: str) -> str:
    """The HTML reply cut where the quoted history starts; the sanitizer closes open tags."""
    cut = len(markup)
    for pattern in HTML_MARKERS:
        found = pattern.search(markup)
        if found:
            cut = min(cut, found.start())
    answer = markup[:cut]
    return answer if re.sub(r"<[^>]*>|&nbsp;|\s", "", answer) else markup

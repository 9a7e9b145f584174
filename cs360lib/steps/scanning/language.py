"""A cheap check that a response is written in English, before English patterns code it.

A codebook of English phrases cannot code a response in Spanish or Vietnamese: it would
report it as "no concern", which is wrong. Responses that look non-English are skipped
and reported instead. The test is deliberately simple and fast (vectorised over a whole
column), in the spirit of stop-word language identification (Grefenstette, 1995,
"Comparing two language identification schemes", JADT 1995): English prose is about
40 % function words from a short list, other languages far less.

A response is judged non-English when

- fewer than ``min_ascii`` (80 %) of its letters are the unaccented Latin letters
  *a-z*, or
- it has at least ``min_words`` (8) words, fewer than ``min_stop`` (12 %) of them are
  common English function words, and more of them are function words of Spanish,
  French, Portuguese, German, Italian, Haitian Creole or Tagalog (the languages most
  often met in US interviews written in Latin letters) than English ones.

Shorter responses in Latin letters are kept: too short to tell. Telegraphic English
("Bus schedule cuts mean riders walk home late") has no function word of either list
and is kept; a few Spanish words in an English answer do not trigger the skip.
"""

from __future__ import annotations

import pandas as pd

__all__ = ["ENGLISH_STOP_WORDS", "OTHER_STOP_WORDS", "looks_english"]

ENGLISH_STOP_WORDS: tuple[str, ...] = tuple(
    """the and of to is in that it for was on are with they be at this have from or by but not
    what all were we when there can an your which their if do will about how up out them then
    she many some so these would other into has more her like him could been who its now my
    did get our just very you i us because what's it's don't there's they're we're i'm than
    also any been being does had should would those only over after""".split()
)
"""Common English function words that are rare as words in other languages."""

OTHER_STOP_WORDS: tuple[str, ...] = tuple(
    """de la que el los del se las por para con una su al lo como pero sus ya este porque esta
    entre cuando muy sin sobre también hasta hay donde desde todo nos durante todos uno les
    ellos esto antes algunos qué unos yo otro otras otra él tanto esa estos mucho nada muchos
    poco ella estar estas algo nosotros está están es son y le les des et est une du qui dans
    pour pas sur au avec ce il elle nous vous ils sont mais très não uma os das dos com mais
    muito você der die das und ist nicht ein eine zu den mit sich auf für von dem ich es il
    di che è per una non sono della nel mwen ou li nou yo pa ak ang mga sa ng ay""".split()
)
"""Common function words of other languages written in Latin letters (none is English)."""

_STOP = r"\b(?:" + "|".join(w.replace("'", "['\u2019]") for w in ENGLISH_STOP_WORDS) + r")\b"


_OTHER = r"\b(?:" + "|".join(sorted(set(OTHER_STOP_WORDS))) + r")\b"


def looks_english(
    texts: pd.Series, *, min_ascii: float = 0.8, min_words: int = 8, min_stop: float = 0.12
) -> pd.Series:
    """Return, per text, whether it looks English (vectorised).

    Parameters
    ----------
    texts : pandas.Series of str
        Responses; missing values count as English (they are skipped as empty elsewhere).
    min_ascii : float, default 0.8
        Least share of letters that are *a-z* (either case).
    min_words : int, default 8
        Responses with fewer words are not judged by their function words.
    min_stop : float, default 0.12
        Least share of English function words among the words of a longer response
        (below it, the response is skipped only if other languages' function words
        outnumber the English ones).

    Returns
    -------
    pandas.Series of bool
        Same index as ``texts``.
    """
    s = texts.fillna("").astype(str)
    letters = s.str.count(r"[^\W\d_]")
    ascii_letters = s.str.count(r"[A-Za-z]")
    words = s.str.count(r"\b[^\W\d_][\w'\u2019]*")
    lower = s.str.lower()
    stops = lower.str.count(_STOP)
    other = lower.str.count(_OTHER)
    ascii_ok = (letters == 0) | (ascii_letters >= min_ascii * letters)
    stop_ok = (words < min_words) | (stops >= min_stop * words) | (other <= stops)
    return (ascii_ok & stop_ok).astype(bool)

"""Negated mentions: "speeding is not a problem here" does not code speeding.

The rule follows NegEx (Chapman, Bridewell, Hanbury, Cooper and Buchanan, 2001, "A simple
algorithm for identifying negated findings and diseases in discharge summaries",
*Journal of Biomedical Informatics* 34(5), 301-310): a mention is negated when a
negation cue stands within a window of a few words before it (``no``, ``not``,
``never``, ``without``, ``no longer``, contractions in ``n't``) or a post-negation cue
follows it within the window (``... is not a problem``, ``... isn't an issue``,
``... is not the issue``, ``... doesn't happen``, ``... is under control``). As in NegEx:

- the window is counted in words (default 5, NegEx's own) and stops at a termination
  term: the end of a sentence or clause (``. ; : ! ?`` and line breaks) and the
  conjunctions ``but``, ``however``, ``although``, ``though``, ``except``, ``yet``,
  ``whereas``, ``apart from``, ``aside from``, ``which``, ``who``, ``because``,
  ``since``, ``still``, ``nevertheless``;
- pseudo-negations are not negations: ``not only``, ``not just``, ``no doubt``,
  ``not sure``, ``no matter``, ``not to mention``, ``nothing but``, ``without a doubt``.

Double negation and hypotheticals are not resolved (NegEx does not either); the
evidence table keeps every negated mention so that a person can check it.
"""

from __future__ import annotations

import re

__all__ = ["DEFAULT_WINDOW", "is_negated"]

DEFAULT_WINDOW = 5
"""Words between a cue and the mention (Chapman et al. 2001 use five)."""

_TERMINATORS = re.compile(
    r"[.;:!?\n]|\b(?:but|however|although|though|except|yet|whereas|apart\s+from|aside\s+from"
    r"|which|who|because|since|still|nevertheless)\b",
    re.IGNORECASE,
)
_PSEUDO = re.compile(
    r"\b(?:not\s+only|not\s+just|no\s+doubt|not\s+sure|no\s+matter|not\s+to\s+mention"
    r"|nothing\s+but|without\s+a\s+doubt|not\s+necessarily)\b",
    re.IGNORECASE,
)
_PRE = re.compile(
    r"\b(?:no|not|never|without|none|nobody|nothing|neither|nor|no\s+longer|no\s+more"
    r"|free\s+of|absence\s+of|lack\s+of)\b|n['\u2019]t\b",
    re.IGNORECASE,
)
_NEG = r"(?:not|never|no\s+longer|hardly|\w*n['\u2019]t)"
_POST = re.compile(
    rf"(?:\b(?:is|are|was|were|been|be|s)?\s*{_NEG}\s+(?:really\s+|much\s+of\s+|that\s+much\s+of\s+"
    r"|that\s+|so\s+much\s+|such\s+|even\s+)?(?:a\s+|an\s+|the\s+)?(?:big\s+|real\s+|major\s+|serious\s+"
    r"|huge\s+)?(?:problem|issue|concern|deal|worry)s?\b"
    rf"|\b(?:{_NEG}|do(?:es)?\s+not|did\s+not)\s+(?:really\s+)?(?:happen|occur)s?\b"
    r"|\bunder\s+control\b|\bnot\s+(?:an?\s+)?(?:problem|issue|concern)\b)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[\w'\u2019]+")


def _last_words(text: str, n: int) -> str:
    words = _WORD.findall(text)
    return " ".join(words[-n:]) if n else ""


def _first_words(text: str, n: int) -> str:
    words = _WORD.findall(text)
    return " ".join(words[:n])


def is_negated(before: str, after: str, *, window: int = DEFAULT_WINDOW) -> bool:
    """Tell whether a mention is negated by the words around it.

    Parameters
    ----------
    before : str
        Text of the same response before the mention (a few hundred characters suffice).
    after : str
        Text of the same response after the mention.
    window : int, default 5
        Number of words on each side in which a cue counts (Chapman et al. 2001).

    Returns
    -------
    bool
        True when a negation cue governs the mention.

    Examples
    --------
    >>> is_negated("", " is not a problem here")
    True
    >>> is_negated("there is no", " on our street")
    True
    >>> is_negated("not only", " but also shootings")
    False
    """
    pieces = _TERMINATORS.split(before)
    pre = _PSEUDO.sub(" ", pieces[-1])
    if _PRE.search(_last_words(pre, window)):
        return True
    post = _TERMINATORS.split(after, maxsplit=1)[0]
    post = _PSEUDO.sub(" ", post)
    words = _WORD.findall(post)
    head = " ".join(words[: window + 4])
    hit = _POST.search(head)
    if hit is None:
        return False
    return len(_WORD.findall(head[: hit.start()])) < window

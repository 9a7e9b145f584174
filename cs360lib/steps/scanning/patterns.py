"""Turn a codebook's phrases into word-boundary regular expressions with simple inflections.

A coder writes a phrase once, in its plain form (``street robbery``, ``rob``,
``overdose``); this module generates the forms an English speaker would also write:
the plural or third person (``robberies``, ``robs``), the past (``robbed``) and the
gerund (``robbing``). The rules are the regular spelling rules of English inflection
(Quirk et al., *A Comprehensive Grammar of the English Language*, 1985, sections 3.5
and 5.84; the same rules as Porter's 1980 stemmer reverses):

- ``-s`` plural and third person; ``-es`` after *s, x, z, ch, sh*; consonant + *y* ->
  ``-ies``;
- ``-ed`` past; ``-d`` after *e*; consonant + *y* -> ``-ied``;
- ``-ing``; a silent final *e* is dropped (``speed`` keeps its *ee*); *ie* -> ``-ying``;
- a one-syllable word ending consonant-vowel-consonant doubles its last consonant
  (``rob`` -> ``robbed``, ``mug`` -> ``mugging``), except after *w, x, y*.

The last word of a phrase of several words always takes a plural ``-s`` (``break-in``
-> ``break-ins``). Irregular forms (``stole``, ``shot``) are not generated: write them as phrases of
their own. Words shorter than three letters and function words (``of``, ``the``) are
left as written. Words of a phrase may be separated by spaces or hyphens in the text
(``break-in`` matches ``break in``). Matching is case-insensitive.
"""

from __future__ import annotations

import re

__all__ = ["inflections", "phrase_regex", "wrap"]

_VOWELS = set("aeiou")
_FUNCTION_WORDS = frozenset(
    "a an the of in on at to for by from with and or but as is are was were be been "
    "our their my your his her its no not".split()
)
_SEPARATOR = r"[\s\-]+"


def _syllable_groups(word: str) -> int:
    return len(re.findall(r"[aeiouy]+", word))


def _doubles(word: str) -> bool:
    return (
        len(word) >= 3
        and _syllable_groups(word) == 1
        and word[-1] not in _VOWELS
        and word[-1] not in "wxy"
        and word[-2] in _VOWELS
        and word[-3] not in _VOWELS
    )


def inflections(word: str) -> list[str]:
    """Return a word and its regular inflected forms.

    Parameters
    ----------
    word : str
        One word in its base form (``robbery``, ``rob``), any case.

    Returns
    -------
    list of str
        The lower-cased word first, then its plural / third-person, past and gerund
        forms (duplicates removed, order kept). Words that are not purely alphabetic,
        shorter than three letters or function words are returned alone.

    Notes
    -----
    Regular English spelling rules only (see the module docstring); irregular forms
    must be listed as phrases of their own.

    Examples
    --------
    >>> inflections("robbery")
    ['robbery', 'robberies', 'robberied', 'robberying']
    >>> inflections("rob")
    ['rob', 'robs', 'robbed', 'robbing']
    """
    w = word.lower()
    if not w.isalpha() or len(w) < 3 or w in _FUNCTION_WORDS:
        return [w]
    forms = [w]
    consonant_y = w.endswith("y") and w[-2] not in _VOWELS
    if consonant_y:
        forms.append(w[:-1] + "ies")
    elif w.endswith(("s", "x", "z", "ch", "sh")):
        forms.append(w + "es")
    else:
        forms.append(w + "s")
    double = w + w[-1] if _doubles(w) else w
    if consonant_y:
        forms.append(w[:-1] + "ied")
    elif w.endswith("e"):
        forms.append(w + "d")
    else:
        forms.append(double + "ed")
    if w.endswith("ie"):
        forms.append(w[:-2] + "ying")
    elif w.endswith("e") and not w.endswith(("ee", "ye", "oe")):
        forms.append(w[:-1] + "ing")
    else:
        forms.append(double + "ing")
    return list(dict.fromkeys(forms))


def phrase_regex(phrase: str) -> str:
    """Return the regular expression (without word boundaries) matching a phrase.

    Parameters
    ----------
    phrase : str
        One or more words (``street robbery``, ``break-in``); every word is matched
        with its inflections, words are separated by spaces or hyphens.

    Returns
    -------
    str
        A regular expression fragment: each word's forms as an alternation, longest
        first, joined by a space-or-hyphen separator.
    """
    words = [w for w in re.split(r"[\s\-]+", phrase.strip()) if w]
    parts = []
    for n, word in enumerate(words):
        forms = inflections(word)
        if n == len(words) - 1 and len(words) > 1 and len(forms) == 1 and word.isalpha():
            forms.append(word.lower() + "s")  # break-in -> break-ins, hold-up -> hold-ups
        forms = sorted(forms, key=len, reverse=True)
        escaped = [re.escape(f) for f in forms]
        parts.append(escaped[0] if len(escaped) == 1 else "(?:" + "|".join(escaped) + ")")
    return _SEPARATOR.join(parts)


def wrap(fragment: str) -> str:
    """Wrap a fragment in word boundaries, as every codebook pattern is matched.

    Parameters
    ----------
    fragment : str
        A regular expression.

    Returns
    -------
    str
        The fragment inside a non-capturing group between two word boundaries.
    """
    return rf"\b(?:{fragment})\b"

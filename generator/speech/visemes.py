"""Phones → mouth motion: viseme key shapes in the motion space, blended with coarticulation.

Each phone class has a key shape (expression coefficients) and a dominance: how strongly it
pulls the mouth towards its shape around its own time (Cohen & Massaro, "Modeling
coarticulation in synthetic visual speech", 1993). Dominance rises before a phone starts
(anticipation) and fades after it ends (carry-over); the mouth at each frame is the
dominance-weighted mix of the nearby shapes. Bilabials (p, b, m) dominate strongly and
narrowly, so the lips meet fully even in fast speech; labiodentals (f, v) tuck the lower lip;
rounded vowels pucker; open vowels drop the jaw; pauses relax to neutral.

Phones are espeak-ng's English mnemonics (``generator.speech.espeak``) or pocketsphinx's
ARPAbet (``generator.speech.align``); both map onto the same classes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from generator.motion import EXPRESSION_MODES
from generator.speech.espeak import Phone


@dataclass(frozen=True)
class Viseme:
    """A mouth key shape and how strongly it holds against its neighbours."""

    name: str
    shape: dict[str, float]  # expression mode -> coefficient
    dominance: float  # peak weight in the mix
    reach_s: float  # how far before and after the phone its pull extends


VISEMES: dict[str, Viseme] = {
    v.name: v
    for v in (
        Viseme("rest", {}, 0.6, 0.12),
        Viseme("bilabial", {"lip_press": 1.0, "jaw_open": 0.02}, 6.0, 0.05),
        Viseme(
            "labiodental", {"lip_press": 0.45, "upper_lip_raise": 0.35, "jaw_open": 0.08}, 3.0, 0.05
        ),
        Viseme("dental", {"jaw_open": 0.18, "lip_spread": 0.15}, 1.0, 0.06),
        Viseme("alveolar", {"jaw_open": 0.15, "lip_spread": 0.2}, 0.8, 0.06),
        Viseme("postalveolar", {"jaw_open": 0.15, "lip_pucker": 0.5}, 1.5, 0.07),
        Viseme("velar", {"jaw_open": 0.25}, 0.7, 0.06),
        Viseme("approximant_r", {"jaw_open": 0.15, "lip_pucker": 0.35}, 1.0, 0.07),
        Viseme("approximant_w", {"jaw_open": 0.08, "lip_pucker": 0.85}, 2.0, 0.08),
        Viseme("glottal", {"jaw_open": 0.25}, 0.3, 0.05),
        Viseme("open", {"jaw_open": 0.7}, 1.2, 0.1),
        Viseme("mid", {"jaw_open": 0.4, "lip_spread": 0.15}, 1.0, 0.09),
        Viseme("close_front", {"jaw_open": 0.15, "lip_spread": 0.55}, 1.0, 0.08),
        Viseme("rounded", {"jaw_open": 0.3, "lip_pucker": 0.7}, 1.4, 0.1),
        Viseme("schwa", {"jaw_open": 0.3}, 0.5, 0.07),
    )
}

#: espeak-ng English phoneme mnemonics (and close variants) → viseme class.
ESPEAK_CLASSES: dict[str, str] = {
    **dict.fromkeys(["p", "b", "m"], "bilabial"),
    **dict.fromkeys(["f", "v"], "labiodental"),
    **dict.fromkeys(["T", "D"], "dental"),
    **dict.fromkeys(["t", "d", "n", "l", "s", "z", "t#", "@L", "L"], "alveolar"),
    **dict.fromkeys(["S", "Z", "tS", "dZ"], "postalveolar"),
    **dict.fromkeys(["k", "g", "N", "x"], "velar"),
    **dict.fromkeys(["r", "r-", "3", "3:", "R"], "approximant_r"),
    **dict.fromkeys(["w", "W"], "approximant_w"),
    **dict.fromkeys(["h", "?"], "glottal"),
    **dict.fromkeys(["a", "a#", "A:", "A@", "aI", "aU", "0", "V", "O2"], "open"),
    **dict.fromkeys(["e", "E", "e@", "eI", "@2", "a2"], "mid"),
    **dict.fromkeys(["i", "i:", "I", "i@", "j", "I2", "I#"], "close_front"),
    **dict.fromkeys(["u:", "U", "oU", "O:", "O@", "OI", "o@", "U@", "u"], "rounded"),
    **dict.fromkeys(["@", "@5", "@r"], "schwa"),
    **dict.fromkeys(["_", "_:", "_!", "_|", ""], "rest"),
}

#: pocketsphinx's ARPAbet (forced alignment of recorded speech) → viseme class. A separate
#: table: single letters mean different sounds in the two alphabets (espeak's ``D`` is "th").
ARPABET_CLASSES: dict[str, str] = {
    **dict.fromkeys(["P", "B", "M"], "bilabial"),
    **dict.fromkeys(["F", "V"], "labiodental"),
    **dict.fromkeys(["TH", "DH"], "dental"),
    **dict.fromkeys(["T", "D", "N", "L", "S", "Z"], "alveolar"),
    **dict.fromkeys(["SH", "ZH", "CH", "JH"], "postalveolar"),
    **dict.fromkeys(["K", "G", "NG"], "velar"),
    **dict.fromkeys(["R", "ER"], "approximant_r"),
    **dict.fromkeys(["W"], "approximant_w"),
    **dict.fromkeys(["HH"], "glottal"),
    **dict.fromkeys(["AA", "AE", "AY", "AW"], "open"),
    **dict.fromkeys(["EH", "EY"], "mid"),
    **dict.fromkeys(["IY", "IH", "Y"], "close_front"),
    **dict.fromkeys(["UW", "UH", "OW", "AO", "OY"], "rounded"),
    **dict.fromkeys(["AH"], "schwa"),
    **dict.fromkeys(["SIL", "_", "+NSN+", "+SPN+"], "rest"),
}
ALPHABETS = {"espeak": ESPEAK_CLASSES, "arpabet": ARPABET_CLASSES}


def viseme_of(symbol: str, alphabet: str = "espeak") -> Viseme:
    """The viseme of a phone symbol in ``alphabet`` (``espeak`` or ``arpabet``); unknown
    symbols fall back by their first letter, then to a schwa (a half-open mouth)."""
    classes = ALPHABETS[alphabet]
    name = classes.get(symbol) or classes.get(symbol[:1]) or "schwa"
    return VISEMES[name]


def mouth_motion(
    phones: Sequence[Phone], duration_s: float, fps: float = 25.0, *, alphabet: str = "espeak"
) -> np.ndarray:
    """Expression coefficients ``(frames, 16)`` for a phone sequence, at ``fps``.

    Each frame mixes the key shapes of the phones around it, weighted by dominance functions
    that peak over each phone and fall off as ``exp(-(distance / reach)^2)`` outside it.
    """
    frames = max(1, int(np.ceil(duration_s * fps)))
    times = (np.arange(frames) + 0.5) / fps
    index = {mode: i for i, mode in enumerate(EXPRESSION_MODES)}
    weighted = np.zeros((frames, len(EXPRESSION_MODES)))
    total = np.full(frames, 1e-6)
    for phone in phones:
        viseme = viseme_of(phone.symbol, alphabet)
        outside = np.maximum(phone.start_s - times, 0.0) + np.maximum(times - phone.end_s, 0.0)
        weight = viseme.dominance * np.exp(-((outside / viseme.reach_s) ** 2))
        shape = np.zeros(len(EXPRESSION_MODES))
        for mode, value in viseme.shape.items():
            shape[index[mode]] = value
        weighted += weight[:, None] * shape
        total += weight
    mouth = weighted / total[:, None]
    # Bilabials close the lips whatever their neighbours do: inside one, the lips press and
    # every opening mode gives way. A closure shorter than a frame still closes the frame
    # nearest its middle, or the lips would never meet on a fast "b".
    for phone in phones:
        if viseme_of(phone.symbol, alphabet).name == "bilabial":
            inside = (times >= phone.start_s) & (times < phone.end_s)
            if not inside.any():
                middle = (phone.start_s + phone.end_s) / 2
                inside[min(frames - 1, int(middle * fps))] = True
            mouth[inside] *= 0.15
            mouth[inside, index["lip_press"]] = 1.0
    return mouth.astype(np.float32)

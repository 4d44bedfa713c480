"""Speech with phone times: synthetic (espeak-ng, exact) and recorded (pocketsphinx forced
alignment), both turned into mouth motion by the same viseme rules."""

from generator.speech.align import Aligner
from generator.speech.espeak import Espeak, Phone, Utterance, Voice

__all__ = ["Aligner", "Espeak", "Phone", "Utterance", "Voice"]

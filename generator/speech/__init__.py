"""Speech for training the motion model: synthetic speech with exact phoneme times."""

from generator.speech.espeak import Espeak, Phone, Utterance, Voice

__all__ = ["Espeak", "Phone", "Utterance", "Voice"]

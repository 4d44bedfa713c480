"""Measurements on people's media that the policy decides on: who speaks, what they say, whose
face it is, whether the mouth moves with the voice.

Each analyser loads its model once and turns media into plain numbers; :mod:`policy` judges
the numbers. Nothing here keeps raw media or decides anything.
"""

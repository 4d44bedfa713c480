"""Errors the generator raises; each says what went wrong and what the user can do."""


class GeneratorError(Exception):
    """Base class for every error the generator raises on purpose."""

    hint: str = ""

    def diagnostics(self) -> str:
        """The message plus what to do about it, for people reading a CLI or API error."""
        message = str(self)
        return f"{message}\n{self.hint}" if self.hint else message


class InvalidPortrait(GeneratorError):
    """The portrait file is not an image we can read (corrupt, truncated, too large, ...)."""

    hint = "Use a PNG or JPEG photo, painting or drawing of one face, under 40 megapixels."


class NoFaceFound(GeneratorError):
    """The face landmarker found no face in the portrait."""

    hint = (
        "Use a portrait where one face is clearly visible, roughly frontal, "
        "well lit and at least 96 pixels across."
    )


class FaceTooSmall(GeneratorError):
    """The face is too small in the portrait to animate with detail."""

    hint = "Use a larger or closer portrait: the face should be at least 96 pixels across."


class ExtremePose(GeneratorError):
    """The head is turned too far from the camera to animate convincingly."""

    hint = "Use a portrait where the face looks roughly at the camera (turned less than 35°)."


class MultipleFacesFound(GeneratorError):
    """The portrait holds several faces and none was chosen."""

    hint = "Crop the portrait to the one face that should speak, or choose a face by number."

    def __init__(self, count: int) -> None:
        super().__init__(f"found {count} faces in the portrait; expected exactly one")
        self.count = count


class MediaError(GeneratorError):
    """An audio or video file cannot be read or written as asked."""

    hint = "Use a common audio file (WAV, MP3, M4A) or an MP4 video; check the file is complete."


class WeightsMismatch(GeneratorError):
    """A model's weights file is missing or differs from what its model card records."""

    hint = "Restore it from the repository (git checkout), or retrain: `talkgate train motion`."

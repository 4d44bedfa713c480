"""Errors the watermark package raises; each says what went wrong and what to do about it."""


class WatermarkError(Exception):
    """Base class for every error the watermark package raises on purpose."""

    hint: str = ""

    def diagnostics(self) -> str:
        """The message plus what to do about it, for people reading a CLI or API error."""
        message = str(self)
        return f"{message}\n{self.hint}" if self.hint else message


class KeyFileError(WatermarkError):
    """A watermark key file is missing, unreadable, malformed or too open."""

    hint = "Create a key with `talkgate watermark keygen`, or point --key at a key file."


class FrameError(WatermarkError):
    """A frame cannot carry or be searched for a mark (wrong shape, type or too small)."""

    hint = "Frames must be uint8 RGB arrays of shape (H, W, 3), at least 256 pixels on each side."


class PayloadError(WatermarkError):
    """A payload value does not fit its field (clip ID: 64 bits, key ID: 16 bits)."""


class CredentialError(WatermarkError):
    """A C2PA signing chain, signing key or trust anchor is missing, malformed or unfit."""

    hint = (
        "Development credentials are made on first run under $TALKGATE_HOME/keys; in "
        "production set TALKGATE_C2PA_CHAIN and TALKGATE_C2PA_KEY (docs/provenance.md)."
    )


class ProvenanceError(WatermarkError):
    """A C2PA manifest could not be signed into a file, or a file's manifest not read."""

"""Errors the gateway's own machinery raises (assets, data sets, benchmarks)."""


class GatewayError(Exception):
    """Base class; ``hint`` tells the user what to do."""

    hint: str = ""

    def diagnostics(self) -> str:
        """The message plus what to do about it."""
        message = str(self)
        return f"{message}\n{self.hint}" if self.hint else message


class FetchError(GatewayError):
    """A package registry client failed to deliver a package."""

    hint = (
        "Check that this machine reaches the package registries (PyPI, Debian, npm) and that "
        "the Debian package lists are current (`apt-get update`), then run the command again."
    )


class AssetError(GatewayError):
    """A model asset is missing or does not match its pinned SHA-256."""

    hint = "Run `talkgate assets` (or `make demo`) to fetch and verify the model assets."


class DatasetError(GatewayError):
    """A real data set is unknown, missing or fails its checksums."""

    hint = "Run `talkgate data fetch SET` to fetch it; `talkgate data list` shows the sets."


class UnsupportedFile(GatewayError):
    """A file to sign or verify is missing, empty, cut short, or not PNG, JPEG or MP4."""

    hint = (
        "talkgate signs and verifies PNG, JPEG and MP4 files. A file cut short in a download "
        "or copy fails here: fetch it again."
    )

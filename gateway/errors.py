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


class DatabaseError(GatewayError):
    """The gateway's database cannot be reached or its schema cannot be brought up to date."""

    hint = (
        "Check TALKGATE_DATABASE_URL (unset means SQLite under TALKGATE_HOME) and that the "
        "database server is running and reachable."
    )


class ArtifactMissing(GatewayError):
    """A stored artifact (portrait, audio, clip, manifest) is not in the artifact store."""

    hint = "The data directory's artifacts/ folder was changed by hand; restore it from backup."


class AuditError(GatewayError):
    """The audit log, a tree head or a proof does not check out, or its key is unusable."""

    hint = (
        "An audit log that fails verification has been changed outside talkgate: keep the "
        "database and data directory as they are and compare them with a backup."
    )


class NotFound(GatewayError):
    """No such object, or not one the caller may see (the API answers 404 for both)."""


class Unauthorized(GatewayError):
    """No access token, or one that is malformed, expired, forged or for someone else."""

    hint = "Ask /oauth/token for a new access token (client credentials) and send it as Bearer."


class Forbidden(GatewayError):
    """The token is valid but lacks the scope this operation needs."""


class InvalidRequest(GatewayError):
    """The request is well-formed HTTP but its content cannot be used."""


class TooLarge(GatewayError):
    """An upload is over the deployment's size, duration or pixel limit."""


class Conflict(GatewayError):
    """The request clashes with the object's state (e.g. cancelling a finished job)."""


class RateLimited(GatewayError):
    """Too many requests, or too many pending jobs; try again after ``retry_after`` s."""

    def __init__(self, message: str, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class TokenKeyError(GatewayError):
    """A token signing key file under keys/tokens/ is unusable."""

    hint = "Each file in keys/tokens/ must be a 0600 PEM EC P-256 private key made by talkgate."


class AnalysisError(InvalidRequest):
    """Media cannot be measured: too little speech, no usable frames, an unloadable model."""


class RulesError(GatewayError):
    """The policy rules file cannot be used."""

    hint = "Fix the file TALKGATE_POLICY_RULES names, or unset it to use the shipped rules."


class Refused(GatewayError):
    """The policy said no: a generation denied, or a consent recording not accepted.

    ``reasons`` are ``{code, outcome, message}`` objects the API returns as they are.
    """

    def __init__(self, message: str, reasons: list[dict[str, str]], **context: str) -> None:
        super().__init__(message)
        self.reasons = reasons
        self.context = context


class PolicyDenied(Refused):
    """A generation request the policy denied (HTTP 403)."""


class CaptureRefused(Refused):
    """A consent recording that does not meet the capture rules (HTTP 422)."""

"""ibigraph: a sourced knowledge graph about the International Brain Initiative."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ibigraph")
except PackageNotFoundError:  # running from a checkout that is not installed
    __version__ = "0.0.0+unknown"
__all__ = ["__version__"]

"""ibigraph: a sourced knowledge graph about the International Brain Initiative."""

__version__ = "0.1.0"
__all__ = ["__version__"]

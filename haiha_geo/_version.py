"""The toolkit's version (read by the package root and the command line without importing anything heavy)."""

__version__ = "0.1.0"

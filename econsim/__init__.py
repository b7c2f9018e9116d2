"""econsim: design and stress-test points economies before they launch."""
__version__ = "0.1.0"

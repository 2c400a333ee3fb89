"""bufferlit: a curated index of research on memory buffers in machine learning and systems."""

__version__ = "0.1.0"

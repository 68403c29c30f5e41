"""newsbot: question answering over news articles with verified citations, offline by default."""

__version__ = "0.1.0"

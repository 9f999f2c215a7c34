"""Test helpers shipped with consultgym: a loopback fake of an OpenAI-compatible chat server.

>>> from consultgym.testing import FakeOpenAIServer
>>> with FakeOpenAIServer(["Hello."]) as server:
...     server.base_url.startswith("http://127.0.0.1:")
True
"""

from consultgym.testing.fake_openai import FakeOpenAIServer, FaultSpec, RecordedRequest, Reply, unused_base_url

__all__ = ["FakeOpenAIServer", "FaultSpec", "RecordedRequest", "Reply", "unused_base_url"]

"""Test helpers shipped with consultgym: a loopback fake of an OpenAI-compatible chat server, and what it plays.

- `consultgym.testing.fake_openai`: the server (scripted replies, latency, faults);
- `consultgym.testing.injection`: adversarial doctor turns and the obfuscated leaks an obeying patient would emit;
- `consultgym.testing.leak_forms`: leak forms (paraphrase, translation, codes, letter answers, planted candidates,
  the echo probe) as doctor/patient probes;
- `consultgym.testing.scripted_models`: an obeying patient, an oracle and a fooled guardian, a faithful patient;
- `consultgym.testing.leak_trials`: the probes played through sessions behind each guardian.

>>> from consultgym.testing import FakeOpenAIServer
>>> with FakeOpenAIServer(["Hello."]) as server:
...     server.base_url.startswith("http://127.0.0.1:")
True
"""

from consultgym.testing.fake_openai import FakeOpenAIServer, FaultSpec, RecordedRequest, Reply, unused_base_url

__all__ = ["FakeOpenAIServer", "FaultSpec", "RecordedRequest", "Reply", "unused_base_url"]

"""Answer models behind an OpenAI-compatible chat-completions server (vLLM, llama.cpp, LM Studio, Ollama).

Only the standard library is used (``urllib.request`` + ``json``): the protocol is one POST and a
server-sent-events reply, which is not worth a client SDK as a dependency. Settings come from the
``Config`` alone; this module never reads ``OPENAI_*`` (or any other) environment variables.
Every failure becomes a one-line ``LLMUnavailable`` that names the server but never the API key.
"""

from __future__ import annotations

import http.client
import json
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any, NoReturn

from bot.backends.llm import LLM, LLMUnavailable, Message

if TYPE_CHECKING:
    from bot.config import Config

OLLAMA_DEFAULT_URL = "http://localhost:11434/v1"
# Bundled model names (bot.llm_llamacpp) -> the tag the same model has in the Ollama library.
OLLAMA_TAGS: dict[str, str] = {
    "qwen2.5-coder-0.5b": "qwen2.5-coder:0.5b",
    "qwen2.5-coder-1.5b": "qwen2.5-coder:1.5b",
}
# A path segment that already names an API version ("v1", "v1beta"): then nothing is appended.
_VERSION_SEGMENT = re.compile(r"v\d+[a-z]*\d*")
_SSE_FIELDS = ("event", "id", "retry")
_MAX_MESSAGE = 300


def normalize_base_url(url: str) -> str:
    """Return ``scheme://host[:port]/path/v1`` so users may paste the URL with or without ``/v1``.

    Servers document their address inconsistently (``http://localhost:8000`` vs ``.../v1/``), and
    a wrong guess would only show up as a 404 on the first question.
    """
    parts = urllib.parse.urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise LLMUnavailable(f"BOT_LLM_URL must be an http:// or https:// URL, got {url!r}")
    path = parts.path.rstrip("/")
    if not any(_VERSION_SEGMENT.fullmatch(segment) for segment in path.split("/")):
        path += "/v1"
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _display_url(url: str) -> str:
    """The URL as shown in messages: without any ``user:password@`` part."""
    parts = urllib.parse.urlsplit(url)
    host = parts.netloc.rsplit("@", 1)[-1]
    return urllib.parse.urlunsplit((parts.scheme, host, parts.path, "", ""))


def _one_line(text: str, limit: int = _MAX_MESSAGE) -> str:
    """Collapse whitespace and cut long server text so a message stays one readable line."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


def _error_detail(payload: Any) -> str:
    """Pull the human message out of the error shapes servers use (OpenAI, Ollama, FastAPI)."""
    if isinstance(payload, dict):
        for key in ("error", "message", "detail"):
            if key in payload:
                return _error_detail(payload[key])
        return ""
    if isinstance(payload, str):
        return payload
    return json.dumps(payload) if payload is not None else ""


def _body_detail(body: bytes) -> str:
    """The server's error message from a JSON error body, or ``""`` when it is not JSON."""
    try:
        return _error_detail(json.loads(body.decode("utf-8", "replace")))
    except ValueError:
        return ""


def _error_body(error: urllib.error.HTTPError) -> bytes:
    """The body of an error reply, or nothing if the server hangs up before sending it."""
    try:
        return error.read()
    except (OSError, http.client.HTTPException):
        return b""
    finally:
        error.close()


class OpenAICompatibleLLM(LLM):
    """Streams chat completions from ``{base_url}/chat/completions`` at temperature 0."""

    name = "openai"

    def __init__(self, base_url: str, model: str, api_key: str = "", timeout: float = 120.0) -> None:
        self.base_url = normalize_base_url(base_url)
        self.model = model
        self.timeout = timeout
        self._api_key = api_key  # private: kept out of messages and reprs

    @classmethod
    def from_config(cls, config: Config) -> OpenAICompatibleLLM:
        """Build from ``BOT_LLM_URL`` / ``BOT_LLM_MODEL`` / ``BOT_LLM_API_KEY``; the URL is required."""
        if not config.llm_url:
            raise LLMUnavailable("BOT_LLM=openai needs BOT_LLM_URL (e.g. http://localhost:8000/v1)")
        return cls(config.llm_url, config.llm_model, api_key=config.llm_api_key)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(base_url={self.base_url!r}, model={self.model!r})"

    @property
    def endpoint(self) -> str:
        return self.base_url + "/chat/completions"

    def stream(self, messages: list[Message], max_tokens: int) -> Iterator[str]:
        """POST the chat with ``stream: true`` and yield each content delta as it arrives."""
        request = self._request(messages, max_tokens)
        with self._open(request) as response:
            content_type = response.headers.get("Content-Type", "")
            try:
                if content_type.startswith("application/json"):
                    # Some servers ignore "stream": answer with one completion object instead.
                    yield self._message_content(self._parse_json(response.read()))
                else:
                    yield from self._read_events(response)
            except (OSError, http.client.HTTPException) as exc:
                self._fail(f"lost the connection to the answer model at {self._where()}: {exc}", exc)

    # -- request -------------------------------------------------------------------------------

    def _request(self, messages: list[Message], max_tokens: int) -> urllib.request.Request:
        body = {
            "model": self.model,
            "messages": [dict(message) for message in messages],
            "max_tokens": max_tokens,
            "temperature": 0,
            "stream": True,
        }
        headers = {
            "Content-Type": "application/json",
            "Accept": "text/event-stream",
            "User-Agent": "newsbot",
        }
        if self._api_key:
            headers["Authorization"] = f"Bearer {self._api_key}"
        data = json.dumps(body).encode("utf-8")
        return urllib.request.Request(self.endpoint, data=data, headers=headers, method="POST")

    def _open(self, request: urllib.request.Request) -> http.client.HTTPResponse:
        """Send the request; turn every way it can fail into a one-line ``LLMUnavailable``."""
        try:
            response: http.client.HTTPResponse = urllib.request.urlopen(request, timeout=self.timeout)
        except urllib.error.HTTPError as exc:
            self._fail(self._http_error_message(exc.code, _error_body(exc)), exc)
        except urllib.error.URLError as exc:
            self._fail(f"cannot reach the answer model at URL: {self._where()} ({exc.reason})", exc)
        except (OSError, http.client.HTTPException) as exc:
            self._fail(f"cannot reach the answer model at URL: {self._where()} ({exc})", exc)
        return response

    def _http_error_message(self, status: int, body: bytes) -> str:
        where = self._where()
        detail = _body_detail(body)
        suffix = f": {detail}" if detail else ""
        if status in (401, 403):
            if not self._api_key:
                return f"the server at {where} requires an API key (HTTP {status}); set BOT_LLM_API_KEY"
            return f"the server refused the API key (HTTP {status} from {where}); check BOT_LLM_API_KEY"
        if status == 404:
            return (
                f"model {self.model!r} or the chat-completions endpoint not found at {where} "
                f"(HTTP 404; check BOT_LLM_MODEL and BOT_LLM_URL){suffix}"
            )
        return f"the answer model at {where} failed with HTTP {status}{suffix}"

    # -- response ------------------------------------------------------------------------------

    def _read_events(self, lines: Iterable[bytes]) -> Iterator[str]:
        """Yield each event's ``choices[0].delta.content``; stop reading at ``data: [DONE]``."""
        for data in self._sse_data(lines):
            if data.strip() == "[DONE]":
                return
            piece = self._delta_content(self._parse_json(data.encode("utf-8")))
            if piece:
                yield piece

    def _sse_data(self, lines: Iterable[bytes]) -> Iterator[str]:
        """Yield the data of each server-sent event (``data:`` lines joined, a blank line ends one).

        Lines that are not SSE at all (an HTML page from a wrong URL) fail loudly rather than
        producing an empty answer.
        """
        data: list[str] = []
        seen_event = False
        for raw in lines:
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            if not line:
                if data:
                    seen_event = True
                    yield "\n".join(data)
                    data = []
                continue
            field, _, value = line.partition(":")
            if field == "data":
                data.append(value[1:] if value.startswith(" ") else value)
            elif field and field not in _SSE_FIELDS:  # "" is an SSE comment (": keep-alive")
                self._fail(f"malformed stream from the answer model at {self._where()}: {line!r}")
        if data:
            yield "\n".join(data)
        elif not seen_event:
            self._fail(f"the answer model at {self._where()} ended the stream without sending anything")

    def _parse_json(self, data: bytes) -> dict[str, Any]:
        """Decode one JSON object; a server-reported error or garbage becomes ``LLMUnavailable``."""
        try:
            payload = json.loads(data.decode("utf-8", "replace"))
        except ValueError as exc:
            text = data.decode("utf-8", "replace")
            self._fail(f"malformed stream from the answer model at {self._where()}: {text!r}", exc)
        if not isinstance(payload, dict):
            self._fail(f"malformed stream from the answer model at {self._where()}: not a JSON object")
        if payload.get("error"):
            detail = _error_detail(payload)
            self._fail(f"the answer model at {self._where()} reported an error: {detail}")
        return payload

    def _delta_content(self, chunk: dict[str, Any]) -> str:
        """``choices[0].delta.content``; role-only, final and usage chunks carry none."""
        choice = self._first_choice(chunk)
        delta = choice.get("delta") if choice else None
        content = delta.get("content") if isinstance(delta, dict) else None
        return content if isinstance(content, str) else ""

    def _message_content(self, body: dict[str, Any]) -> str:
        """``choices[0].message.content`` of a non-streamed completion."""
        choice = self._first_choice(body)
        message = choice.get("message") if choice else None
        content = message.get("content") if isinstance(message, dict) else None
        return content if isinstance(content, str) else ""

    def _first_choice(self, chunk: dict[str, Any]) -> dict[str, Any] | None:
        choices = chunk.get("choices", [])
        if not isinstance(choices, list) or not all(isinstance(c, dict) for c in choices):
            self._fail(f"malformed stream from the answer model at {self._where()}: bad 'choices'")
        return choices[0] if choices else None

    # -- errors --------------------------------------------------------------------------------

    def _where(self) -> str:
        return _display_url(self.endpoint)

    def _fail(self, message: str, cause: BaseException | None = None) -> NoReturn:
        """Raise ``LLMUnavailable`` with the key scrubbed (a server may echo it), then shortened."""
        if self._api_key:
            message = message.replace(self._api_key, "***")
        raise LLMUnavailable(_one_line(message)) from cause


class OllamaLLM(OpenAICompatibleLLM):
    """Ollama through its OpenAI-compatible endpoint; works with no settings beyond ``BOT_LLM``."""

    name = "ollama"

    @classmethod
    def from_config(cls, config: Config) -> OllamaLLM:
        """Default to the local Ollama and translate the bundled model name to its Ollama tag."""
        model = OLLAMA_TAGS.get(config.llm_model, config.llm_model)
        return cls(config.llm_url or OLLAMA_DEFAULT_URL, model, api_key=config.llm_api_key)

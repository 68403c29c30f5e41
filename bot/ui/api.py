"""``bot serve --api``: an OpenAI-compatible chat API beside the web page.

Why: Open WebUI, LibreChat, the official ``openai`` client and every tool that speaks that protocol
can then chat with the corpus. ``POST /v1/chat/completions`` (streaming and not) answers the last
user message with the earlier turns as history; ``GET /v1/models`` lists one model, ``newsbot``.

The answer text keeps its ``[n]`` markers and the response carries a ``citations`` field (doc id,
title, source, date, URL, offsets and the quoted sentence) beside ``choices``. A stream sends the
*final, verified* answer: the bot's raw model tokens can be rewritten or dropped by verification,
and an OpenAI stream cannot take text back, so the text is streamed once it is known (the role
chunk goes out at once, so clients see the request was accepted). With an API key set
(``BOT_API_KEY``, required off loopback) every request needs ``Authorization: Bearer KEY``.
"""

from __future__ import annotations

import hmac
import json
import time
import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request  # at module level: FastAPI resolves the handlers' annotations here

from bot.types import BotError

if TYPE_CHECKING:
    from bot.backends.llm import Message
    from bot.service import Bot
    from bot.types import Answer

MODEL_ID = "newsbot"


class ApiRequestError(BotError):
    """The request is not one we can answer (no user message, bad content)."""


def conversation(messages: list[dict[str, Any]]) -> tuple[str, list[Message]]:
    """(the last user message, the user/assistant turns before it) from OpenAI-style messages."""
    turns: list[Message] = []
    for m in messages:
        role = m.get("role")
        if role in ("user", "assistant"):
            turns.append({"role": role, "content": _text(m.get("content"))})
    if not turns or turns[-1]["role"] != "user" or not turns[-1]["content"].strip():
        raise ApiRequestError("the last message must be a non-empty user message")
    return turns[-1]["content"], turns[:-1]


def _text(content: Any) -> str:
    """Content is a string or a list of parts; only text parts count."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "".join(
            str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text"
        )
    return ""


def completion(answer: Answer, request_id: str, created: int) -> dict[str, Any]:
    return {
        "id": request_id,
        "object": "chat.completion",
        "created": created,
        "model": MODEL_ID,
        "choices": [
            {"index": 0, "message": {"role": "assistant", "content": answer.text}, "finish_reason": "stop"}
        ],
        "usage": {"prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0},
        "citations": [c.to_dict() for c in answer.citations],
        "refused": answer.refused,
    }


def chunks(answer: Answer, request_id: str, created: int) -> Iterator[dict[str, Any]]:
    """The answer as chat.completion.chunk objects: text in word pieces, citations on the last."""
    base = {"id": request_id, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID}
    words = answer.text.split(" ")
    for i, word in enumerate(words):
        piece = word if i == 0 else " " + word
        yield {**base, "choices": [{"index": 0, "delta": {"content": piece}, "finish_reason": None}]}
    yield {
        **base,
        "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
        "citations": [c.to_dict() for c in answer.citations],
        "refused": answer.refused,
    }


def build_api(bot: Bot, api_key: str = "") -> FastAPI:
    """The API routes on a FastAPI app; the web page is mounted on the same app by the caller."""
    from fastapi.responses import JSONResponse, StreamingResponse
    from starlette.concurrency import run_in_threadpool

    app = FastAPI(title="newsbot API", docs_url=None, redoc_url=None, openapi_url=None)

    def refused(request: Request) -> JSONResponse | None:
        if not api_key:
            return None
        given = request.headers.get("authorization", "").removeprefix("Bearer ").strip()
        if hmac.compare_digest(given.encode(), api_key.encode()):
            return None
        return _error(401, "missing or wrong API key (Authorization: Bearer KEY)", "invalid_api_key")

    @app.get("/v1/models")
    async def models(request: Request) -> Any:
        denied = refused(request)
        if denied is not None:
            return denied
        model = {"id": MODEL_ID, "object": "model", "created": 0, "owned_by": "newsbot"}
        return {"object": "list", "data": [model]}

    @app.post("/v1/chat/completions")
    async def chat(request: Request) -> Any:
        denied = refused(request)
        if denied is not None:
            return denied
        try:
            body = await request.json()
            question, history = conversation(body.get("messages") or [])
        except (ValueError, AttributeError) as exc:
            return _error(400, f"the body must be JSON with a messages list ({exc})", "invalid_request_error")
        except ApiRequestError as exc:
            return _error(400, str(exc), "invalid_request_error")
        request_id, created = f"chatcmpl-{uuid.uuid4().hex}", int(time.time())
        if not body.get("stream"):
            try:
                answer = await run_in_threadpool(bot.ask, question, history)
            except BotError as exc:
                return _error(400, str(exc), "invalid_request_error")
            return completion(answer, request_id, created)
        return StreamingResponse(
            _sse(bot, question, history, request_id, created), media_type="text/event-stream"
        )

    return app


def _sse(bot: Bot, question: str, history: list[Message], request_id: str, created: int) -> Iterator[str]:
    """Server-sent events (run in a worker thread by Starlette: the answer blocks)."""
    base = {"id": request_id, "object": "chat.completion.chunk", "created": created, "model": MODEL_ID}
    first = {
        **base,
        "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}],
    }
    yield f"data: {json.dumps(first)}\n\n"
    try:
        answer = bot.ask(question, history)
    except BotError as exc:
        yield f"data: {json.dumps({'error': {'message': str(exc), 'type': 'invalid_request_error'}})}\n\n"
        return
    for chunk in chunks(answer, request_id, created):
        yield f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n"
    yield "data: [DONE]\n\n"


def _error(status: int, message: str, kind: str) -> Any:
    from fastapi.responses import JSONResponse

    return JSONResponse({"error": {"message": message, "type": kind, "code": status}}, status_code=status)

"""python-telegram-bot's Bot API calls over one long-lived aiohttp session instead of httpx.

httpx and httpcore cost about as much CPU per call as the rest of a reply (on every request httpcore
checks each pooled socket, and builds and parses the request in pure Python); aiohttp, already ours
for the webhook and the emulator, parses in C. python-telegram-bot still builds the request, reads the
answer and raises its errors (RetryAfter, Forbidden, BadRequest, …): only the transport changes, and
its failures map as HTTPXRequest maps them: a timeout is TimedOut, any other failure NetworkError.
Parameters go as one JSON object (the Bot API takes JSON bodies) rather than HTTPXRequest's form, whose
per-value JSON encoding and URL quoting cost more; a call with files stays multipart.
"""
from __future__ import annotations

import asyncio
import json

import aiohttp
from telegram._utils.defaultvalue import DefaultValue
from telegram._utils.types import ODVInput
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

# HTTPXRequest's defaults, in seconds
READ_TIMEOUT = WRITE_TIMEOUT = CONNECT_TIMEOUT = 5.0
POOL_TIMEOUT = 1.0
MEDIA_WRITE_TIMEOUT = 20.0
JSON_HEADERS = {"Content-Type": "application/json"}


class AiohttpRequest(BaseRequest):
    """Bot API calls through one aiohttp session, opened at the first call in the running event loop."""

    def __init__(self, connection_pool_size: int = 1) -> None:
        self._pool_size = connection_pool_size
        self._session: aiohttp.ClientSession | None = None

    @property
    def read_timeout(self) -> float:
        return READ_TIMEOUT

    async def initialize(self) -> None:
        """The session opens with the first call."""

    async def shutdown(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    def _open_session(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self._pool_size), headers={"User-Agent": self.USER_AGENT},
            )
        return self._session

    async def do_request(
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        write_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        connect_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
        pool_timeout: ODVInput[float] = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        """See BaseRequest.do_request: (HTTP status, body)."""
        files = request_data.multipart_data if request_data else None
        if files:  # multipart: the parameters as form fields (JSON-encoded where not strings), then the files
            body: bytes | aiohttp.FormData | None = aiohttp.FormData(request_data.json_parameters)
            for name, (filename, content, mimetype) in files.items():
                body.add_field(name, content, filename=filename, content_type=mimetype)
            headers = None
        else:  # one JSON object: a single encoding pass, no form quoting
            body = json.dumps(request_data.parameters).encode() if request_data else None
            headers = JSON_HEADERS if request_data else None
        read = _given(read_timeout, READ_TIMEOUT)
        write = _given(write_timeout, MEDIA_WRITE_TIMEOUT if files else WRITE_TIMEOUT)
        connect, pool = _given(connect_timeout, CONNECT_TIMEOUT), _given(pool_timeout, POOL_TIMEOUT)
        # aiohttp has no write timeout of its own: the whole call may take the four together.
        timeout = aiohttp.ClientTimeout(
            total=None if None in (read, write, connect, pool) else read + write + connect + pool,
            connect=None if None in (connect, pool) else connect + pool, sock_connect=connect, sock_read=read,
        )
        try:
            session = self._open_session()
            async with session.request(method, url, data=body, headers=headers, timeout=timeout) as response:
                return response.status, await response.read()
        except asyncio.TimeoutError as err:
            raise TimedOut from err
        except aiohttp.ClientError as err:  # some name the URL, and with it the token
            raise NetworkError(f"aiohttp.{err.__class__.__name__}: {str(err).replace(url, '<url>')}") from err


def _given(value: ODVInput[float], default: float) -> float | None:
    return default if isinstance(value, DefaultValue) else value

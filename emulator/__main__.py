"""Run the emulator standalone: python -m emulator --port 8081 [--flood-limits]."""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal

from emulator.emulator import BotApiEmulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m emulator", description="Local Telegram Bot API emulator")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    parser.add_argument("--flood-limits", action="store_true",
                        help="answer 429 above 30 msg/s (1000 with allow_paid_broadcast) or 1 msg/s per chat")
    parser.add_argument("--username", default="pendamping_demo_bot", help="the bot's username in getMe")
    return parser.parse_args(argv)


async def serve(args: argparse.Namespace) -> None:
    """Serve until SIGINT or SIGTERM."""
    emulator = BotApiEmulator(username=args.username, flood_limits=args.flood_limits)
    base_url = await emulator.start(args.host, args.port)
    print(f"Bot API emulator on {base_url} (bot: {base_url}/bot<token>, control: {base_url}/_control/)", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await emulator.stop()


def main(argv: list[str] | None = None) -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(parse_args(argv)))


if __name__ == "__main__":
    main()

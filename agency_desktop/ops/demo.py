"""The demo folder: real session stores written by the Agents SDK on first run.

Every store is produced by `agents.Runner` driving a scripted model and a real
function tool, through the SDK's own session classes, so what the app shows on
first start is exactly what a user's agents would leave on disk.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from pathlib import Path
from typing import Any

from ..util.paths import demo_dir

_FORECASTS = {
    "Paris": "sunny, 21 °C",
    "Oslo": "light snow, -3 °C",
    "Lima": "overcast, 17 °C",
    "Rome": "warm, 24 °C",
}
_ORDERS = {"A-1042": "shipped on 2026-11-20, arriving Friday", "A-1043": "refunded on 2026-11-22"}


def _tools() -> dict[str, Any]:
    from agents import function_tool

    @function_tool
    def get_weather(city: str) -> str:
        """Current weather for a city."""
        return f"{city}: {_FORECASTS.get(city, 'no data')}"

    @function_tool
    def lookup_order(order_id: str) -> str:
        """Status of a customer order."""
        return _ORDERS.get(order_id, "unknown order")

    return {"get_weather": get_weather, "lookup_order": lookup_order}


async def _converse(session: Any, tool: Any, turns: list[tuple[str, list[Any]]]) -> list[Any]:
    """Run each user message through a scripted agent; returns the run results."""
    from agents import Agent, RunConfig, Runner
    from agents.testing import ScriptedModel

    results = []
    for message, steps in turns:
        agent = Agent(
            name="Demo agent", instructions="Be brief.", model=ScriptedModel(steps), tools=[tool]
        )
        results.append(
            await Runner.run(
                agent, message, session=session, run_config=RunConfig(tracing_disabled=True)
            )
        )
    return results


def _weather_turn(city: str, call_id: str, reply: str, usage: Any = None) -> tuple[str, list[Any]]:
    from agents.testing import assistant_message, function_call

    first: dict[str, Any] = {
        "output": [function_call("get_weather", {"city": city}, call_id=call_id)]
    }
    second: dict[str, Any] = {"output": [assistant_message(reply)]}
    if usage is not None:
        first["usage"], second["usage"] = usage
    return f"What is the weather in {city}?", [first, second]


async def _write_demo(folder: Path) -> None:
    from agents import SQLiteSession, Usage
    from agents.extensions.memory import AdvancedSQLiteSession
    from agents.testing import assistant_message, function_call

    tools = _tools()
    weather = SQLiteSession("weather-chat", folder / "weather.db")
    await _converse(
        weather,
        tools["get_weather"],
        [
            _weather_turn("Paris", "call_paris", "It is sunny in Paris, 21 °C."),
            _weather_turn("Oslo", "call_oslo", "Oslo has light snow at -3 °C: bring a coat."),
        ],
    )
    weather.close()

    for ticket, order in (("support-1042", "A-1042"), ("support-1043", "A-1043")):
        support = SQLiteSession(ticket, folder / "support.db")
        await _converse(
            support,
            tools["lookup_order"],
            [
                (
                    f"Where is my order {order}?",
                    [
                        [
                            function_call(
                                "lookup_order", {"order_id": order}, call_id=f"call_{order}"
                            )
                        ],
                        [assistant_message(f"Order {order} is {_ORDERS[order]}.")],
                    ],
                ),
                ("Thanks!", [[assistant_message("You're welcome. Anything else?")]]),
            ],
        )
        support.close()

    research = AdvancedSQLiteSession(
        session_id="research-trip", db_path=folder / "research.db", create_tables=True
    )
    for number, city in enumerate(("Paris", "Oslo", "Lima"), 1):
        usage = (
            Usage(
                requests=1,
                input_tokens=120 * number,
                output_tokens=18,
                total_tokens=120 * number + 18,
            ),
            Usage(
                requests=1,
                input_tokens=160 * number,
                output_tokens=42,
                total_tokens=160 * number + 42,
            ),
        )
        turn = _weather_turn(city, f"call_{city.lower()}", f"{city}: {_FORECASTS[city]}.", usage)
        (result,) = await _converse(research, tools["get_weather"], [turn])
        await research.store_run_usage(result)
    # A branch, as the SDK makes one: turn 3 asked again about another city.
    await research.create_branch_from_turn(3, "what-if-rome")
    rome = _weather_turn("Rome", "call_rome", f"Rome: {_FORECASTS['Rome']}.", usage)
    (result,) = await _converse(research, tools["get_weather"], [rome])
    await research.store_run_usage(result)
    await research.switch_to_branch("main")
    research.close()

    custom = SQLiteSession(
        "custom-tables",
        folder / "custom-tables.db",
        sessions_table="conversations",
        messages_table="conversation_items",
    )
    await _converse(
        custom, tools["get_weather"], [_weather_turn("Lima", "call_lima", "Overcast in Lima.")]
    )
    custom.close()


def write_demo_folder(folder: Path) -> Path:
    """Write the demo stores into `folder` (which must not exist yet), atomically."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".demo-", dir=folder.parent))
    try:
        asyncio.run(_write_demo(staging))
        staging.rename(folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return folder


def ensure_demo_folder(folder: Path | None = None) -> Path:
    """The demo folder, written on first use."""
    folder = folder or demo_dir()
    if folder.is_dir():
        return folder
    try:
        return write_demo_folder(folder)
    except OSError:
        if folder.is_dir():  # another process won the race
            return folder
        raise

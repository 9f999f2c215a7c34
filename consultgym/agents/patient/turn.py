"""One patient turn: draft -> guard -> (emit | revise -> guard ... | fallback).

The nodes are plain async functions over a `TurnState` dict. Two drivers run the very same nodes and routing, and
give identical turns:

- ``loop="direct"`` (the default everywhere): `PatientTurn.run_direct`, a while-loop. Offline nodes never await, so
  an offline turn costs tens of microseconds; with LLM roles it adds nothing to the calls. LangGraph was measured at
  ~41% of an LLM episode's client CPU (its own bookkeeping, plus a routing step handed to a thread pool every turn).
- ``loop="graph"``: `PatientTurn.run_graph`, the same nodes compiled as a LangGraph `StateGraph` (imported only
  then). It streams node events (the app's Play page shows them as they happen) and can be drawn
  (``consultgym graph`` prints `mermaid()`).

Either driver reports each node's update to `PatientTurn.on_node` when one is set. The revision bound is explicit in
the state (`max_revisions`) and, for LangGraph, in the recursion limit.

The fallback is honest: a reply composed from the facts alone, itself checked by the guardian (a fallback identical to
a draft the guardian just rejected keeps that verdict, without a second call). If it fails too, the patient says
`NEUTRAL_REPLY`, which reveals nothing; the turn record marks it (`TurnResult.fallback_issue`), so reports count it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, TypedDict

from consultgym.agents.base import GuardianAgent, PatientAgent, PatientContext
from consultgym.agents.patient.offline import fact_only_reply
from consultgym.config import DEFAULT_MAX_REVISIONS, DEFAULT_QUESTIONS_PER_TURN
from consultgym.errors import ConfigError
from consultgym.records import Verdict

if TYPE_CHECKING:  # langgraph (and langchain_core) load only when an LLM plays a role
    from langchain_core.runnables import RunnableConfig


NEUTRAL_REPLY = "I'm not sure, doctor."


class TurnState(TypedDict, total=False):
    ctx: PatientContext
    drafts: list[str]
    verdicts: list[Verdict]
    revisions: int
    max_revisions: int
    reply: str
    fallback: bool
    fallback_issue: bool


@dataclass(frozen=True)
class TurnResult:
    """What a patient turn produced: every draft and verdict, the emitted reply, and whether it is the fallback.

    `fallback_issue` is True when the fact-only fallback itself failed the guardian's check, so the neutral line was
    said instead (and nothing was revealed).
    """

    reply: str
    drafts: list[str] = field(default_factory=list)
    verdicts: list[Verdict] = field(default_factory=list)
    fallback: bool = False
    fallback_issue: bool = False

    @property
    def attempts(self) -> int:
        return len(self.drafts)


# The nodes. Each takes the state and the turn's participants and returns the state update.
async def draft(state: TurnState, turn: PatientTurn) -> TurnState:
    text = await turn.patient.respond(state["ctx"])
    return {"drafts": [*state["drafts"], text]}


async def guard(state: TurnState, turn: PatientTurn) -> TurnState:
    verdict = await turn.guardian.check(state["drafts"][-1], state["ctx"])
    return {"verdicts": [*state["verdicts"], verdict]}


async def revise(state: TurnState, turn: PatientTurn) -> TurnState:
    text = await turn.patient.revise(state["ctx"], state["drafts"][-1], state["verdicts"][-1])
    return {"drafts": [*state["drafts"], text], "revisions": state["revisions"] + 1}


async def emit(state: TurnState, turn: PatientTurn) -> TurnState:
    return {"reply": state["drafts"][-1], "fallback": False}


async def fallback(state: TurnState, turn: PatientTurn) -> TurnState:
    reply, _ = fact_only_reply(state["ctx"], turn.questions_per_turn)
    update: TurnState = {}
    if reply == state["drafts"][-1]:
        verdict = state["verdicts"][-1]  # the guardian has just judged these very words
    else:
        verdict = await turn.guardian.check(reply, state["ctx"])
        update = {"drafts": [*state["drafts"], reply], "verdicts": [*state["verdicts"], verdict]}
    if not verdict.ok:
        return {**update, "reply": NEUTRAL_REPLY, "fallback": True, "fallback_issue": True}
    return {**update, "reply": reply, "fallback": True, "fallback_issue": False}


def route_after_guard(state: TurnState) -> str:
    """Emit an approved draft; otherwise revise while revisions remain, then fall back to facts only."""
    if state["verdicts"][-1].ok:
        return "emit"
    if state["revisions"] < state["max_revisions"]:
        return "revise"
    return "fallback"


Node = Callable[[TurnState, "PatientTurn"], Awaitable[TurnState]]
NodeListener = Callable[[str, TurnState], None]
LOOPS = ("direct", "graph")
NODES: dict[str, Node] = {
    "draft": draft,
    "guard": guard,
    "revise": revise,
    "emit": emit,
    "fallback": fallback,
}
FIXED_EDGES = {"draft": "guard", "revise": "guard", "emit": None, "fallback": None}


class PatientTurn:
    """Runs the patient-turn loop for one patient and one guardian.

    Args:
        patient, guardian: the roles.
        max_revisions: guardian-driven revisions before the fact-only fallback.
        questions_per_turn: questions answered per doctor turn (the fallback's budget).
        loop: ``direct`` (a plain loop, the default) or ``graph`` (LangGraph); both give the same turns.

    Attributes:
        on_node: called with each node's name and state update as the node finishes (None: nobody listens).
    """

    def __init__(
        self,
        patient: PatientAgent,
        guardian: GuardianAgent,
        max_revisions: int = DEFAULT_MAX_REVISIONS,
        questions_per_turn: int = DEFAULT_QUESTIONS_PER_TURN,
        loop: str = "direct",
    ) -> None:
        if loop not in LOOPS:
            raise ConfigError(f"loop={loop!r} is not one of {', '.join(LOOPS)}")
        self.patient = patient
        self.guardian = guardian
        self.max_revisions = max_revisions
        self.questions_per_turn = questions_per_turn
        self.loop = loop
        self.on_node: NodeListener | None = None

    @property
    def offline(self) -> bool:
        return self.patient.offline and self.guardian.offline

    def initial_state(self, ctx: PatientContext) -> TurnState:
        return {"ctx": ctx, "drafts": [], "verdicts": [], "revisions": 0, "max_revisions": self.max_revisions}

    async def run(self, ctx: PatientContext) -> TurnResult:
        """One turn through the chosen loop (`loop`)."""
        return await (self.run_graph(ctx) if self.loop == "graph" else self.run_direct(ctx))

    async def run_direct(self, ctx: PatientContext) -> TurnResult:
        state = self.initial_state(ctx)
        node: str | None = "draft"
        while node is not None:
            update = await NODES[node](state, self)
            state.update(update)
            if self.on_node is not None:
                self.on_node(node, update)
            node = route_after_guard(state) if node == "guard" else FIXED_EDGES[node]
        return _result(state)

    async def run_graph(self, ctx: PatientContext) -> TurnResult:
        # One compiled graph serves every turn loop; this loop's participants travel in the run's config.
        config = {"recursion_limit": self.recursion_limit, "configurable": {"turn": self}}
        if self.on_node is None:
            return _result(await self.graph().ainvoke(self.initial_state(ctx), config))
        state = self.initial_state(ctx)
        async for mode, chunk in self.graph().astream(state, config, stream_mode=["updates", "values"]):
            if mode == "values":
                state = chunk
                continue
            for node, update in chunk.items():
                self.on_node(node, update)
        return _result(state)

    @property
    def recursion_limit(self) -> int:
        # draft, guard, then (revise, guard) per revision, then emit or fallback; +1 of headroom.
        return 2 + 2 * self.max_revisions + 2

    @staticmethod
    def graph() -> Any:
        """The compiled LangGraph StateGraph over the same nodes (built once per process, imported lazily)."""
        return build_graph()


def mermaid() -> str:
    """The patient-turn graph as Mermaid text (what ``consultgym graph`` prints).

    Example:
        >>> "guard" in mermaid() and "fallback" in mermaid()
        True
    """
    text: str = build_graph().get_graph().draw_mermaid()
    return text


@cache
def build_graph() -> Any:
    from langgraph.graph import END, START, StateGraph

    builder = StateGraph(TurnState)
    for name, node in NODES.items():
        builder.add_node(name, _bind(node))
    builder.add_edge(START, "draft")
    for source, target in FIXED_EDGES.items():
        builder.add_edge(source, target or END)
    builder.add_conditional_edges(
        "guard", route_after_guard, {"emit": "emit", "revise": "revise", "fallback": "fallback"}
    )
    return builder.compile()


def _bind(node: Node) -> Callable[..., Awaitable[TurnState]]:
    async def bound(state: TurnState, config: RunnableConfig) -> TurnState:
        return await node(state, config["configurable"]["turn"])

    bound.__name__ = node.__name__
    return bound


def _result(state: TurnState) -> TurnResult:
    return TurnResult(
        reply=state["reply"],
        drafts=state["drafts"],
        verdicts=state["verdicts"],
        fallback=state.get("fallback", False),
        fallback_issue=state.get("fallback_issue", False),
    )

"""An agent that remembers as it talks: each message is added as it is said, and recalled from later.

Run it from anywhere::

    python examples/agent_loop.py            # a throw-away store in a temporary folder
    python examples/agent_loop.py ./mem      # or a store you keep (run it twice: the talk goes on)
"""

from __future__ import annotations

import sys
import tempfile

from graphmem import Memory

TALK = [
    ("Dana", "I just started a new job at Acme Robotics in Porto."),
    ("agent", "Congratulations! What will you work on?"),
    ("Dana", "Warehouse robots. My manager, Rui Costa, hired me last week."),
    ("Dana", "Also, my dog Rex hates the rain here."),
]


def main(store: str) -> None:
    with Memory.open(store) as mem:
        for speaker, text in TALK:
            ids = mem.add({"speaker": speaker, "text": text}, namespace="dana")
            print("added", ids[0], "|", text)
        for question in ("Where does Dana work?", "Who is Rui Costa?"):
            hit = mem.recall(question, namespace="dana", k=1)[0]
            print(question, "->", hit.event.text)
            print("   why:", hit.why.describe())


if __name__ == "__main__":
    if len(sys.argv) > 1:
        main(sys.argv[1])
    else:
        with tempfile.TemporaryDirectory() as tmp:
            main(tmp)
